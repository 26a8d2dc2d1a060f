//! IVMS-101 (IVMS101.2023) documents for the travel-rule data of a transfer.
//!
//! The scenario file's short `ivms101: { name, country, date_of_birth,
//! place_of_birth }` maps onto a document that VASP tooling accepts: the buyer is the
//! originator natural person (legal name split into primary = last word and secondary =
//! the rest, `LEGL`), with `countryOfResidence`, `customerIdentification` = the user's
//! resource id (constraint C1) and `dateAndPlaceOfBirth` only when both are known; the
//! beneficiary is the selling account, a legal person named after its managing org with
//! the account as customer number. Regulation checks read this document, never the
//! scenario struct.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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

/// The parties of the transfer the document is produced for.
pub struct Parties<'a> {
    /// The buyer's resource id (originator).
    pub originator_id: &'a str,
    /// The org that manages the originator.
    pub originator_org: &'a str,
    /// The selling account's resource id (beneficiary).
    pub beneficiary_account: &'a str,
    /// The org that manages the beneficiary account.
    pub beneficiary_org: &'a str,
}

/// Builds the IVMS101.2023 document (as canonical JSON text: keys sorted).
pub fn document(person: &PersonData, parties: &Parties<'_>) -> String {
    let (primary, secondary) = match person.name.trim().rsplit_once(' ') {
        Some((rest, last)) => (last.to_owned(), Some(rest.trim().to_owned())),
        None => (person.name.trim().to_owned(), None),
    };
    let mut name_identifier = json!({
        "primaryIdentifier": primary,
        "naturalPersonNameIdentifierType": "LEGL",
    });
    if let Some(secondary) = secondary {
        name_identifier["secondaryIdentifier"] = json!(secondary);
    }
    let mut natural_person = json!({
        "name": { "nameIdentifier": [name_identifier] },
        "countryOfResidence": person.country,
        "customerIdentification": parties.originator_id,
    });
    if let (Some(date), Some(place)) = (&person.date_of_birth, &person.place_of_birth) {
        natural_person["dateAndPlaceOfBirth"] = json!({ "dateOfBirth": date, "placeOfBirth": place });
    }
    let legal = |org: &str| {
        json!({ "legalPerson": { "name": { "nameIdentifier": [
            { "legalPersonName": org, "legalPersonNameIdentifierType": "LEGL" }
        ] } } })
    };
    let mut beneficiary_person = legal(parties.beneficiary_org);
    beneficiary_person["legalPerson"]["customerNumber"] = json!(parties.beneficiary_account);
    let doc = json!({
        "originator": {
            "originatorPerson": [ { "naturalPerson": natural_person } ],
            "accountNumber": [parties.originator_id],
        },
        "beneficiary": {
            "beneficiaryPerson": [beneficiary_person],
            "accountNumber": [parties.beneficiary_account],
        },
        "originatingVASP": { "originatingVASP": legal(parties.originator_org) },
        "beneficiaryVASP": { "beneficiaryVASP": legal(parties.beneficiary_org) },
        "payloadMetadata": { "payloadVersion": "101.2023" },
    });
    doc.to_string()
}

/// What a regulation check reads from a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginatorFacts {
    /// `countryOfResidence` of the first originator natural person.
    pub country: Option<String>,
    /// `customerIdentification` of that person.
    pub customer_identification: Option<String>,
}

/// Reads the originator's facts from an IVMS-101 document; `None` if it is not one.
pub fn originator_facts(document: &str) -> Option<OriginatorFacts> {
    let doc: Value = serde_json::from_str(document).ok()?;
    if doc["payloadMetadata"]["payloadVersion"] != "101.2023" {
        return None;
    }
    let person = &doc["originator"]["originatorPerson"][0]["naturalPerson"];
    if person.is_null() {
        return None;
    }
    Some(OriginatorFacts {
        country: person["countryOfResidence"].as_str().map(str::to_owned),
        customer_identification: person["customerIdentification"].as_str().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> Parties<'static> {
        Parties {
            originator_id: "org_1:100:user_1",
            originator_org: "org_1",
            beneficiary_account: "org_2:100:treasury",
            beneficiary_org: "org_2",
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
        let natural = &doc["originator"]["originatorPerson"][0]["naturalPerson"];
        assert_eq!(natural["name"]["nameIdentifier"][0]["primaryIdentifier"], "Example");
        assert_eq!(natural["name"]["nameIdentifier"][0]["secondaryIdentifier"], "Alice");
        assert_eq!(natural["name"]["nameIdentifier"][0]["naturalPersonNameIdentifierType"], "LEGL");
        assert!(natural.get("dateAndPlaceOfBirth").is_none(), "needs both date and place");
        assert_eq!(doc["payloadMetadata"]["payloadVersion"], "101.2023");
        let facts = originator_facts(&doc.to_string()).unwrap();
        assert_eq!(facts.country.as_deref(), Some("GB"));
        assert_eq!(facts.customer_identification.as_deref(), Some("org_1:100:user_1"));
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
        let natural = &doc["originator"]["originatorPerson"][0]["naturalPerson"];
        assert_eq!(natural["dateAndPlaceOfBirth"]["placeOfBirth"], "Berlin");
        assert_eq!(natural["name"]["nameIdentifier"][0]["primaryIdentifier"], "Bob");
        assert!(originator_facts("{\"not\": 1}").is_none());
    }
}
