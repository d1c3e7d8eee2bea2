/** French words of /patient. */
export const patient = {
  'patient.code': 'Code de l’ordonnance',
  'patient.codeHint': '40 ou 41 caractères, tel qu’imprimé sous le code-barres',
  'patient.open': 'Afficher',
  'patient.show': 'Présentez ce code au comptoir',
  'patient.forget': 'Effacer de l’écran',
};
