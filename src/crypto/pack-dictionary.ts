/**
 * The preset DEFLATE dictionary of packed JWS (crypto/pack.ts): fragments that recur in request
 * tokens, prescriptions and dispensing records, the most frequent last (DEFLATE reaches back 32
 * KiB, nearer is cheaper). Stored records were compressed against exactly these bytes: this text
 * never changes (a test pins its hash). A better dictionary would be a new pack format.
 */
export const PACK_DICTIONARY = [
  'out_of_stock","patient_refused","already_supplied","intervention","generic","biosimilar","other',
  '"substitutionReason":"MTE","EFG","CIF","controlled":true,"replaces":"',
  '"externalIds":[{"system":"","value":""}],"specialty":"médecine générale","profession":"pharmacien","infirmier","sage-femme","chirurgien-dentiste","masseur-kinésithérapeute',
  '"identityCheck":"id_document","known","none","vitale",',
  'sachet, flacon, solution buvable, crème, pommade, collyre, sirop, suppositoire, injectable, seringue préremplie, patch, inhalateur, ',
  ' mg, comprimé pelliculé, comprimé sécable, comprimé dispersible, gélule gastro-résistante, gélule, ',
  '1 comprimé le matin, le midi, le soir, au coucher, au cours des repas, à jeun, si douleur, si fièvre, toutes les 6 heures, 2 fois par jour pendant 7 jours, 3 fois par jour pendant 5 jours, matin et soir pendant 6 jours, ',
  '{"alg":"ES256","kid":"","typ":"ordo-dispense+jwt"}',
  '{"alg":"EdDSA","kid":"","typ":"ordo-rx+jwt"}',
  '"prescriber":{"name":"Dr ","profession":"médecin","structure":{"id":"","name":"Cabinet médical ","address":" rue , 75 Paris","phone":"01 "}},',
  '"patient":{"family":"","given":[""],"birthDate":"19","sex":"male","female","ins":{"value":"","oid":"1.2.250.1.213.1.4.8","qualified":true},"weightKg":},',
  '"renewals":0,"validUntil":"2027-","controlled":false,"replaces":null,"externalIds":[],"notes":"',
  '"items":[{"code":{"system":"CIP13","value":"340093"},"label":"","activeIngredient":"","dosage":"1 comprimé ","quantity":1,"unit":"boîte","supplyDays":30,"renewals":0,"substitutable":true},',
  '{"code":{"system":"CIP13","value":"340093"},"label":"","activeIngredient":"","dosage":"1 comprimé ","quantity":1,"unit":"boîte","supplyDays":30,"renewals":0,"substitutable":true}],',
  '"dispensedAt":"2026-","dispensedBy":{"id":"","name":""},"identityCheck":"vitale",',
  '"lines":[{"item":0,"quantity":1,"dispensed":{"system":"CIP13","value":"340093"},"substitution":null,"lot":"","expiry":"2028-","reason":null,"note":""},',
  '{"item":1,"quantity":1,"dispensed":{"system":"CIP13","value":"340093"},"substitution":null,"lot":"","expiry":"2028-","reason":null,"note":""}]}',
  '{"iss":"","aud":"https://","jti":"rx-","iat":17,"prescription":"","claim":"","dispensedAt":"',
  '{"status":"completed","remaining":[{"item":0,"total":1,"dispensed":1,"remaining":0}],"nextDueAt":null}',
  '{"status":"active","remaining":[{"item":0,"total":1,"dispensed":0,"remaining":1},{"item":1,"total":1,"dispensed":0,"remaining":1}],"nextDueAt":"2026-',
  '{"alg":"EdDSA","kid":"","typ":"ordo-req+jwt"}{"iss":"","aud":"https://","iat":17,"exp":17,"jti":"","htm":"POST","htu":"/v1/prescriptions/","/cancel","/code","/v1/claims/","/release","/dispense","/v1/claims","bdh":"","sub":""}',
].join('');
