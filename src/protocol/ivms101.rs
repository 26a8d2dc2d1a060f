//! IVMS-101 (IVMS101.2023) documents for the travel-rule data of a transfer.
//!
//! A document covers one leg: tokens from an account to the user they are for. The scenario
//! file's short `ivms101: { name, country, date_of_birth, place_of_birth }` maps onto a document
//! that VASP tooling accepts, with IVMS-101's roles: the user who receives the tokens is the
//! beneficiary natural person (legal name split into primary = last word and secondary = the
//! rest, `LEGL`), with `countryOfResidence`, `customerIdentification` = the user's resource id
//! and `dateAndPlaceOfBirth` only when both are known; the originator, the account holder who
//! allows the transfer from that account, is the account the tokens leave, a legal person named
//! after its managing org with the account as its `customerIdentification` (C4); each VASP is a
//! legal person named after its org with a well-formed (synthetic) LEI as its national
//! identification (C4, C9, C11).
//! The document is built from typed structs of the standard's data model and checked in the
//! tests by an independent validator (the `ivms101` npm package, `tests/ivms101/`).
//! Regulation checks read this document, never the scenario struct.

use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The travel-rule data an org holds for one of its users.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonData {
    /// The legal name, e.g. `Alice Example`.
    pub name: String,
    /// ISO 3166-1 alpha-2 country of residence.
    pub country: String,
    /// `YYYY-MM-DD`, if known.
    pub date_of_birth: Option<String>,
    /// City of birth, if known.
    pub place_of_birth: Option<String>,
}

/// The parties of the leg a document covers: tokens from the sender's account (the originator,
/// IVMS-101's account holder who allows the transfer from that account) to the receiver (the
/// beneficiary, the person the transfer is for).
pub struct Parties<'a> {
    /// The receiver's resource id (the beneficiary: a transfer's buyer, an issue's or a plan
    /// instruction's `to`).
    pub receiver_id: &'a str,
    /// The org that manages the receiver.
    pub receiver_org: &'a str,
    /// That org's legal entity identifier (`lei` of its id).
    pub receiver_lei: &'a str,
    /// The account the tokens leave (the originator: the seller's account, or the asset itself
    /// for a mint).
    pub sender_account: &'a str,
    /// The org that manages that account.
    pub sender_org: &'a str,
    /// That org's legal entity identifier (`lei` of its id).
    pub sender_lei: &'a str,
}

/// An IVMS101.2023 document: the parts of the standard's data model finsim fills.
///
/// The fields of this struct and of every struct in it are declared in the order of their JSON
/// names, so that serializing it writes its keys sorted: the canonical text, in one pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ivms101 {
    /// The beneficiary: its persons and accounts.
    pub beneficiary: Beneficiary,
    /// The VASP of the beneficiary.
    #[serde(rename = "beneficiaryVASP")]
    pub beneficiary_vasp: BeneficiaryVasp,
    /// The VASP of the originator.
    #[serde(rename = "originatingVASP")]
    pub originating_vasp: OriginatingVasp,
    /// The originator: its persons and accounts.
    pub originator: Originator,
    /// The payload's version (`101.2023`).
    pub payload_metadata: PayloadMetadata,
}

/// The originator of a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Originator {
    /// Its accounts.
    pub account_number: Vec<String>,
    /// Its persons (one here).
    pub originator_person: Vec<Person>,
}

/// The beneficiary of a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Beneficiary {
    /// Its accounts.
    pub account_number: Vec<String>,
    /// Its persons (one here).
    pub beneficiary_person: Vec<Person>,
}

/// The originating VASP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginatingVasp {
    /// The VASP as a person.
    #[serde(rename = "originatingVASP")]
    pub originating_vasp: Person,
}

/// The beneficiary VASP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficiaryVasp {
    /// The VASP as a person.
    #[serde(rename = "beneficiaryVASP")]
    pub beneficiary_vasp: Person,
}

/// The payload's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadMetadata {
    /// `101.2023`.
    pub payload_version: String,
}

/// A natural or a legal person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Person {
    /// A natural person.
    NaturalPerson(NaturalPerson),
    /// A legal person.
    LegalPerson(LegalPerson),
}

/// A natural person (constraint C1: it has a customer identification; C6: a `LEGL` name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NaturalPerson {
    /// ISO 3166-1 alpha-2 country of residence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_residence: Option<String>,
    /// The identification its VASP gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_identification: Option<String>,
    /// Date and place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_and_place_of_birth: Option<DateAndPlaceOfBirth>,
    /// Its names.
    pub name: NaturalPersonName,
}

/// A natural person's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NaturalPersonName {
    /// The names (one `LEGL` here).
    pub name_identifier: Vec<NaturalPersonNameId>,
}

/// One name of a natural person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NaturalPersonNameId {
    /// `LEGL`: the legal name.
    pub natural_person_name_identifier_type: String,
    /// The last name.
    pub primary_identifier: String,
    /// The other names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_identifier: Option<String>,
}

/// Date and place of birth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateAndPlaceOfBirth {
    /// `YYYY-MM-DD`, in the past (C2).
    pub date_of_birth: String,
    /// The city.
    pub place_of_birth: String,
}

/// A legal person (C4: it has a customer identification or a national identification;
/// C5: a `LEGL` name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalPerson {
    /// The identification a VASP gives it (the beneficiary's account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_identification: Option<String>,
    /// Its names.
    pub name: LegalPersonName,
    /// Its national identification (a VASP's LEI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identification: Option<NationalIdentification>,
}

/// A legal person's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalPersonName {
    /// The names (one `LEGL` here).
    pub name_identifier: Vec<LegalPersonNameId>,
}

/// One name of a legal person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalPersonNameId {
    /// The name.
    pub legal_person_name: String,
    /// `LEGL`: the legal name.
    pub legal_person_name_identifier_type: String,
}

/// A national identification: here a legal entity identifier (`LEIX`, C9 and C11: no country of
/// issue, no registration authority, 18 characters and two ISO 7064 check digits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NationalIdentification {
    /// The identifier.
    pub national_identifier: String,
    /// `LEIX`.
    pub national_identifier_type: String,
}

/// A legal entity identifier for an org: 18 characters taken from SHA-256 of its id, then the two
/// ISO 17442 check digits. Synthetic (finsim's orgs are registered nowhere), but well-formed, so
/// a validator checks it as it would a real one.
pub fn lei(org: &str) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let digest = sha2::Sha256::digest(org.as_bytes());
    let base: String = digest.iter().take(18).map(|b| ALPHABET[usize::from(*b) % 36] as char).collect();
    // ISO 7064 MOD 97-10 over the base with "00" appended, letters as 10..35.
    let remainder = format!("{base}00").chars().fold(0u32, |r, c| {
        let value = c.to_digit(36).expect("base-36 characters");
        let r = if value >= 10 { r * 100 + value } else { r * 10 + value };
        r % 97
    });
    format!("{base}{:02}", 98 - remainder)
}

fn legal_person(name: &str) -> LegalPerson {
    LegalPerson {
        name: LegalPersonName {
            name_identifier: vec![LegalPersonNameId {
                legal_person_name: name.to_owned(),
                legal_person_name_identifier_type: "LEGL".to_owned(),
            }],
        },
        customer_identification: None,
        national_identification: None,
    }
}

/// A VASP: a legal person named after its org, identified by the org's LEI.
fn vasp(org: &str, lei: &str) -> Person {
    let national =
        NationalIdentification { national_identifier: lei.to_owned(), national_identifier_type: "LEIX".to_owned() };
    Person::LegalPerson(LegalPerson { national_identification: Some(national), ..legal_person(org) })
}

/// The receiver's part of a document: the natural person, the beneficiary, and its account.
fn receiver(person: &PersonData, receiver_id: &str) -> Beneficiary {
    receiver_with(person, receiver_id, &|_| true)
}

/// The receiver with only the fields `keep` says (`name` and `customerIdentification`, which a
/// valid document needs, always).
fn receiver_with(person: &PersonData, receiver_id: &str, keep: &dyn Fn(&str) -> bool) -> Beneficiary {
    let (primary, secondary) = match person.name.trim().rsplit_once(' ') {
        Some((rest, last)) => (last.to_owned(), Some(rest.trim().to_owned())),
        None => (person.name.trim().to_owned(), None),
    };
    let birth = match (&person.date_of_birth, &person.place_of_birth) {
        (Some(date), Some(place)) if keep("dateAndPlaceOfBirth") => {
            Some(DateAndPlaceOfBirth { date_of_birth: date.clone(), place_of_birth: place.clone() })
        }
        _ => None,
    };
    let natural = NaturalPerson {
        name: NaturalPersonName {
            name_identifier: vec![NaturalPersonNameId {
                primary_identifier: primary,
                secondary_identifier: secondary,
                natural_person_name_identifier_type: "LEGL".to_owned(),
            }],
        },
        country_of_residence: keep("countryOfResidence").then(|| person.country.clone()),
        customer_identification: Some(receiver_id.to_owned()),
        date_and_place_of_birth: birth,
    };
    Beneficiary {
        beneficiary_person: vec![Person::NaturalPerson(natural)],
        account_number: if keep("accountNumber") { vec![receiver_id.to_owned()] } else { Vec::new() },
    }
}

/// The sender's part of a document: the account tokens leave, the originator, as a legal person
/// named after its managing org, with the account as its `customerIdentification` (C4).
fn sender(account: &str, org: &str) -> Originator {
    let person = LegalPerson { customer_identification: Some(account.to_owned()), ..legal_person(org) };
    Originator { originator_person: vec![Person::LegalPerson(person)], account_number: vec![account.to_owned()] }
}

/// The IVMS101.2023 document of one leg: tokens from the sender's account to the receiver.
fn typed(person: &PersonData, parties: &Parties<'_>) -> Ivms101 {
    Ivms101 {
        originator: sender(parties.sender_account, parties.sender_org),
        beneficiary: receiver(person, parties.receiver_id),
        originating_vasp: OriginatingVasp { originating_vasp: vasp(parties.sender_org, parties.sender_lei) },
        beneficiary_vasp: BeneficiaryVasp { beneficiary_vasp: vasp(parties.receiver_org, parties.receiver_lei) },
        payload_metadata: PayloadMetadata { payload_version: "101.2023".to_owned() },
    }
}

/// The IVMS101.2023 document of a leg's receiver, as canonical JSON text (keys sorted).
pub fn document(person: &PersonData, parties: &Parties<'_>) -> String {
    text(&typed(person, parties))
}

/// A document's canonical text: its fields are declared in key order, so written directly.
fn text(doc: &Ivms101) -> String {
    serde_json::to_string(doc).expect("a document always encodes")
}

/// What every document about one receiver shares, written once: the canonical text of its
/// beneficiary and of its VASP, and the fields they disclose. A holder keeps one per user and
/// writes each document from it and the sender's parts (`document`), the same text as `document`
/// of the whole (a test holds them equal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverPart {
    beneficiary: String,
    beneficiary_vasp: String,
    fields: Vec<&'static str>,
}

impl ReceiverPart {
    /// The part of `person`, the user `receiver_id` of the org `receiver_org` (whose LEI is
    /// `receiver_lei`).
    pub fn new(person: &PersonData, receiver_id: &str, receiver_org: &str, receiver_lei: &str) -> Self {
        Self::with_fields(person, receiver_id, receiver_org, receiver_lei, &|_| true)
    }

    /// The part with only the IVMS-101 fields `keep` says, besides the `name` and the
    /// `customerIdentification` every valid document carries (data minimisation).
    pub fn with_fields(
        person: &PersonData,
        receiver_id: &str,
        receiver_org: &str,
        receiver_lei: &str,
        keep: &dyn Fn(&str) -> bool,
    ) -> Self {
        let beneficiary = receiver_with(person, receiver_id, keep);
        let vasp = BeneficiaryVasp { beneficiary_vasp: vasp(receiver_org, receiver_lei) };
        Self {
            beneficiary_vasp: serde_json::to_string(&vasp).expect("a VASP always encodes"),
            fields: fields_of(&beneficiary),
            beneficiary: serde_json::to_string(&beneficiary).expect("a beneficiary always encodes"),
        }
    }

    /// The document of the leg from the account `sender_account` of the org `sender_org` (whose
    /// LEI is `sender_lei`) to this receiver, as canonical text, with the fields it discloses.
    /// Serializing a struct writes `{`, then each field as `"name":value` with commas between,
    /// then `}`: so the parts written apart are put together here.
    pub fn document(&self, sender_account: &str, sender_org: &str, sender_lei: &str) -> (String, Vec<&'static str>) {
        let originator = sender(sender_account, sender_org);
        let originator = serde_json::to_string(&originator).expect("an originator always encodes");
        let vasp = OriginatingVasp { originating_vasp: vasp(sender_org, sender_lei) };
        let vasp = serde_json::to_string(&vasp).expect("a VASP always encodes");
        let mut text = String::with_capacity(
            originator.len() + vasp.len() + self.beneficiary_vasp.len() + self.beneficiary.len() + 160,
        );
        for (name, value) in [
            ("{\"beneficiary\":", self.beneficiary.as_str()),
            (",\"beneficiaryVASP\":", &self.beneficiary_vasp),
            (",\"originatingVASP\":", &vasp),
            (",\"originator\":", &originator),
            (",\"payloadMetadata\":", "{\"payloadVersion\":\"101.2023\"}}"),
        ] {
            text.push_str(name);
            text.push_str(value);
        }
        (text, self.fields.clone())
    }
}

/// The fields of a document that carry personal data about its receiver (the beneficiary), as
/// IVMS-101 names them (`name`, `countryOfResidence`, `customerIdentification`,
/// `dateAndPlaceOfBirth`, and the beneficiary's `accountNumber`): what left its holder when the
/// document was given. Empty for what is not a document.
pub fn disclosed_fields(document: &str) -> Vec<&'static str> {
    let Ok(doc) = serde_json::from_str::<Ivms101>(document) else { return Vec::new() };
    fields_of(&doc.beneficiary)
}

/// The fields of a document that carry personal data about its receiver.
fn fields_of(beneficiary: &Beneficiary) -> Vec<&'static str> {
    let mut fields = Vec::new();
    for person in &beneficiary.beneficiary_person {
        if let Person::NaturalPerson(p) = person {
            fields.push("name");
            fields.extend(p.country_of_residence.as_ref().map(|_| "countryOfResidence"));
            fields.extend(p.customer_identification.as_ref().map(|_| "customerIdentification"));
            fields.extend(p.date_and_place_of_birth.as_ref().map(|_| "dateAndPlaceOfBirth"));
        }
    }
    if !beneficiary.account_number.is_empty() {
        fields.push("accountNumber");
    }
    fields.dedup();
    fields
}

/// The leg a document covers: the account the tokens leave (the originator's account) and the
/// account they go to (the beneficiary's customer identification); `None` for what is not a
/// document.
pub fn leg(document: &str) -> Option<(String, String)> {
    let doc: Ivms101 = serde_json::from_str(document).ok()?;
    let from = doc.originator.account_number.first()?.clone();
    let to = match doc.beneficiary.beneficiary_person.first()? {
        Person::NaturalPerson(p) => p.customer_identification.clone()?,
        Person::LegalPerson(p) => p.customer_identification.clone()?,
    };
    Some((from, to))
}

/// What a regulation check reads from a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverFacts {
    /// `countryOfResidence` of the first beneficiary natural person.
    pub country: Option<String>,
    /// `customerIdentification` of that person.
    pub customer_identification: Option<String>,
    /// The fields the document carries about its receiver (`disclosed_fields`).
    pub fields: Vec<&'static str>,
}

/// Reads the receiver's facts (the beneficiary natural person's) from an IVMS101.2023 document;
/// `None` if it is not one.
pub fn receiver_facts(document: &str) -> Option<ReceiverFacts> {
    let doc: Ivms101 = serde_json::from_str(document).ok()?;
    if doc.payload_metadata.payload_version != "101.2023" {
        return None;
    }
    let fields = fields_of(&doc.beneficiary);
    let Some(Person::NaturalPerson(person)) = doc.beneficiary.beneficiary_person.into_iter().next() else {
        return None;
    };
    Some(ReceiverFacts {
        country: person.country_of_residence,
        customer_identification: person.customer_identification,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// ISO 7064 MOD 97-10 over a whole LEI: 1 when its check digits are right.
    fn mod97(lei: &str) -> u32 {
        lei.chars().fold(0, |r, c| {
            let value = c.to_digit(36).unwrap();
            (if value >= 10 { r * 100 + value } else { r * 10 + value }) % 97
        })
    }

    #[test]
    fn each_org_has_a_well_formed_lei_whose_check_digits_hold() {
        for org in ["org_1", "org_2", "a-much-longer-org.name"] {
            let lei = lei(org);
            assert_eq!(lei.len(), 20, "{lei}");
            assert!(lei[..18].chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{lei}");
            assert!(lei[18..].chars().all(|c| c.is_ascii_digit()), "{lei}");
            assert_eq!(mod97(&lei), 1, "{lei}");
            let mut wrong = lei.clone().into_bytes();
            wrong[3] = if wrong[3] == b'7' { b'8' } else { b'7' };
            assert_ne!(mod97(std::str::from_utf8(&wrong).unwrap()), 1, "a changed character fails");
        }
        assert_ne!(lei("org_1"), lei("org_2"));
        // The derivation docs/protocol.md states (computed apart, in Python): 18 characters, each
        // a byte of SHA-256("org_1") modulo 36 in 0-9A-Z, then the ISO 17442 check digits.
        assert_eq!(lei("org_1"), "7JT1OKXB7N7JZ2F8C955");
    }

    #[test]
    fn every_legal_person_has_an_identification_and_every_person_a_legal_name() {
        let person = PersonData {
            name: "Alice Example".into(),
            country: "GB".into(),
            date_of_birth: None,
            place_of_birth: None,
        };
        let doc: Value = serde_json::from_str(&document(&person, &parties())).unwrap();
        // The originator is the account the tokens leave; the beneficiary the user they go to.
        let originator = &doc["originator"]["originatorPerson"][0]["legalPerson"];
        assert_eq!(originator["customerIdentification"], "org_2:100:treasury", "the 2023 name, not customerNumber");
        assert!(originator.get("customerNumber").is_none());
        assert_eq!(doc["originator"]["accountNumber"][0], "org_2:100:treasury");
        assert_eq!(doc["beneficiary"]["accountNumber"][0], "org_1:100:user_1");
        for (vasp, org) in [
            (&doc["originatingVASP"]["originatingVASP"], "org_2"),
            (&doc["beneficiaryVASP"]["beneficiaryVASP"], "org_1"),
        ] {
            let legal = &vasp["legalPerson"];
            assert_eq!(legal["name"]["nameIdentifier"][0]["legalPersonNameIdentifierType"], "LEGL");
            assert_eq!(legal["nationalIdentification"]["nationalIdentifierType"], "LEIX");
            assert_eq!(legal["nationalIdentification"]["nationalIdentifier"], lei(org).as_str());
            assert!(legal["nationalIdentification"].get("countryOfIssue").is_none());
        }
        let text = document(&person, &parties());
        let keys: Vec<&str> = text.match_indices('"').map(|(i, _)| &text[i..]).take(3).collect();
        assert!(keys[0].starts_with("\"beneficiary\""), "keys sorted: {text}");
    }

    #[test]
    fn a_document_is_its_own_canonical_text_with_every_key_sorted() {
        // Read back into a `Value` (whose maps sort their keys) and written again, each document
        // is the same text: every key of every object was written in order.
        for (name, date, place) in [
            ("Alice Example", None, None),
            ("Bob", Some("1980-01-02"), Some("Berlin")),
            ("Carol Ann Smith", Some("1970-05-06"), None),
        ] {
            let person = PersonData {
                name: name.into(),
                country: "FR".into(),
                date_of_birth: date.map(Into::into),
                place_of_birth: place.map(Into::into),
            };
            let text = document(&person, &parties());
            let canonical = serde_json::from_str::<Value>(&text).unwrap().to_string();
            assert_eq!(text, canonical, "{name}");
        }
    }

    /// What a holder (org_1) keeps of `person`, its user `user_1`.
    fn part(person: &PersonData) -> ReceiverPart {
        ReceiverPart::new(person, "org_1:100:user_1", "org_1", &lei("org_1"))
    }

    #[test]
    fn a_document_put_together_from_its_parts_is_the_whole_documents_text() {
        let names = ["Alice Example", "Bob", "  Jean-Luc \"JL\" Picard ", "Zoë \\ Ünal", "a\tb\u{7}"];
        for name in names {
            for birth in [None, Some(("1990-04-01", "Leeds \"north\"")), Some(("1980-01-02", ""))] {
                let person = PersonData {
                    name: name.into(),
                    country: "GB".into(),
                    date_of_birth: birth.map(|b| b.0.into()),
                    place_of_birth: birth.map(|b| b.1.into()),
                };
                let (text, fields) = part(&person).document("org_2:100:treasury", "org_2", &lei("org_2"));
                assert_eq!(text, document(&person, &parties()), "{name}");
                assert_eq!(fields, disclosed_fields(&text), "{name}");
            }
        }
        // Other parties, other text.
        let person = PersonData { name: "Bob".into(), country: "DE".into(), date_of_birth: None, place_of_birth: None };
        let (text, _) = part(&person).document("org_3:100:x", "org_3", &lei("org_3"));
        assert_ne!(text, document(&person, &parties()));
        assert!(text.contains("org_3:100:x") && text.contains(&lei("org_3")));
    }

    fn parties() -> Parties<'static> {
        // Each org's LEI, as the directory holds it.
        static LEIS: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| [lei("org_1"), lei("org_2")]);
        Parties {
            receiver_id: "org_1:100:user_1",
            receiver_org: "org_1",
            receiver_lei: &LEIS[0],
            sender_account: "org_2:100:treasury",
            sender_org: "org_2",
            sender_lei: &LEIS[1],
        }
    }

    #[test]
    fn the_document_has_the_ivms101_2023_shape() {
        let person = PersonData {
            name: "Alice Example".into(),
            country: "GB".into(),
            date_of_birth: Some("1990-04-01".into()),
            place_of_birth: None,
        };
        let doc: Value = serde_json::from_str(&document(&person, &parties())).unwrap();
        let natural = &doc["beneficiary"]["beneficiaryPerson"][0]["naturalPerson"];
        assert_eq!(natural["name"]["nameIdentifier"][0]["primaryIdentifier"], "Example");
        assert_eq!(natural["name"]["nameIdentifier"][0]["secondaryIdentifier"], "Alice");
        assert_eq!(natural["name"]["nameIdentifier"][0]["naturalPersonNameIdentifierType"], "LEGL");
        assert!(natural.get("dateAndPlaceOfBirth").is_none(), "needs both date and place");
        assert_eq!(doc["payloadMetadata"]["payloadVersion"], "101.2023");
        let facts = receiver_facts(&doc.to_string()).unwrap();
        assert_eq!(facts.country.as_deref(), Some("GB"));
        assert_eq!(facts.customer_identification.as_deref(), Some("org_1:100:user_1"));
    }

    #[test]
    fn the_fields_disclosed_are_those_the_document_carries() {
        let mut person = PersonData {
            name: "Alice Example".into(),
            country: "GB".into(),
            date_of_birth: None,
            place_of_birth: None,
        };
        let fields = disclosed_fields(&document(&person, &parties()));
        assert_eq!(fields, ["name", "countryOfResidence", "customerIdentification", "accountNumber"]);
        (person.date_of_birth, person.place_of_birth) = (Some("1990-04-01".into()), Some("Leeds".into()));
        assert!(disclosed_fields(&document(&person, &parties())).contains(&"dateAndPlaceOfBirth"));
        assert!(disclosed_fields("{\"not\": \"a document\"}").is_empty());
        // What a holder notes it disclosed is what its document's text says.
        for person in [person.clone(), PersonData { date_of_birth: None, ..person.clone() }] {
            let (text, fields) = part(&person).document("org_2:100:treasury", "org_2", &lei("org_2"));
            assert_eq!((text.clone(), fields), (document(&person, &parties()), disclosed_fields(&text)));
        }
    }

    #[test]
    fn a_document_says_which_leg_it_covers_from_the_sending_account_to_the_user() {
        let person = PersonData { name: "Bob".into(), country: "DE".into(), date_of_birth: None, place_of_birth: None };
        let leg = leg(&document(&person, &parties()));
        assert_eq!(leg, Some(("org_2:100:treasury".to_owned(), "org_1:100:user_1".to_owned())));
        assert_eq!(super::leg("{\"not\": \"a document\"}"), None);
    }

    #[test]
    fn birth_data_appears_when_complete() {
        let person = PersonData {
            name: "Bob".into(),
            country: "DE".into(),
            date_of_birth: Some("1980-01-02".into()),
            place_of_birth: Some("Berlin".into()),
        };
        let doc: Value = serde_json::from_str(&document(&person, &parties())).unwrap();
        let natural = &doc["beneficiary"]["beneficiaryPerson"][0]["naturalPerson"];
        assert_eq!(natural["dateAndPlaceOfBirth"]["placeOfBirth"], "Berlin");
        assert_eq!(natural["name"]["nameIdentifier"][0]["primaryIdentifier"], "Bob");
        assert!(receiver_facts("{\"not\": 1}").is_none());
    }
}
