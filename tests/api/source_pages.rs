//! A client can rebuild each of the five source pages from the API, every fact
//! a typed field.

use crate::common::{TestServer, backends};
use serde_json::{Value, json};

async fn one(s: &TestServer, query: &str, vars: Value) -> Value {
    s.gql(query, vars, None).await.ok().clone()
}

#[tokio::test]
async fn amerm_presentation_page() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let d = one(
            &s,
            r#"{ organisation(slug: "amerm") { name acronym kind country { code name }
                   memberships { role body bodyKind organisation { name } }
                   missions { nodes { name objectives { title description } } }
                   partnerProjects { nodes { title } } }
                 projects(filter: { acronym: { eq: "MIM-AMERM" } }) { nodes { title funders { edges { role node { name acronym country { code } } } } objectives { title } } } }"#,
            json!({}),
        )
        .await;
        let org = &d["organisation"];
        assert_eq!(org["acronym"], "AMERM", "{b:?}");
        assert_eq!(org["kind"], "ASSOCIATION");
        let m = org["memberships"].as_array().unwrap();
        assert_eq!(m.len(), 6, "six memberships");
        assert!(m[0]["body"].as_str().unwrap().contains("Mouvements humains et immigration"));
        assert!(m.iter().any(|x| { x["organisation"]["name"].as_str().is_some_and(|n| n.contains("Hassan II")) }));
        let objectives = org["missions"]["nodes"][0]["objectives"].as_array().unwrap();
        assert_eq!(objectives.len(), 7, "seven objectives");
        assert_eq!(objectives[0]["title"], "Développer la recherche");
        assert_eq!(objectives[6]["title"], "Stimuler");
        let programme = &d["projects"]["nodes"][0];
        assert!(programme["title"].as_str().unwrap().contains("MIM-AMERM"));
        let funder = &programme["funders"]["edges"][0]["node"];
        assert!(funder["name"].as_str().unwrap().contains("Population Migration Environnement"));
        assert_eq!(funder["country"]["code"], "CH");
        assert_eq!(programme["objectives"].as_array().unwrap().len(), 6, "six aims");
        s.finish().await;
    }
}

#[tokio::test]
async fn iom_header_and_rabat_workshop_page() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let d = one(
            &s,
            r#"{ organisation(slug: "oim") { name acronym foundedYear keyFigures { key value qualifier asOf label }
                   missions { nodes { name presentSince country { code } headOfMission { name positions { title } }
                     thematicAxes(orderBy: [{ field: POSITION }]) { nodes { title kind position } } } } }
                 events(filter: { title: { contains: "actrices de la politique migratoire" } }) { nodes {
                   kind startsAt endsAt allDay timeZone city venue
                   project { acronym title funders { nodes { name } } partners { nodes { acronym name } } }
                   organisers { nodes { acronym name } }
                   sessions { title moderators { person { name honorific } affiliation organisation { acronym } } }
                   recommendations outcomes
                   newsArticles { nodes { title dateline } } } } }"#,
            json!({}),
        )
        .await;
        let iom = &d["organisation"];
        assert_eq!(iom["acronym"], "OIM", "{b:?}");
        assert_eq!(iom["foundedYear"], 1951);
        let figures = iom["keyFigures"].as_array().unwrap();
        let member_states: Vec<i64> =
            figures.iter().filter(|f| f["key"] == "member_states").map(|f| f["value"].as_i64().unwrap()).collect();
        assert_eq!(member_states, vec![174, 175], "member states change over time");
        assert!(
            figures
                .iter()
                .any(|f| f["key"] == "countries_present" && f["value"] == 100 && f["qualifier"] == "MORE_THAN")
        );
        assert!(figures.iter().any(|f| f["key"] == "countries_present" && f["value"] == 171));
        let mission = &iom["missions"]["nodes"][0];
        assert_eq!(mission["presentSince"], 2007);
        assert_eq!(mission["country"]["code"], "MA");
        assert_eq!(mission["headOfMission"]["name"], "Ana Fonseca");
        let axes = mission["thematicAxes"]["nodes"].as_array().unwrap();
        assert_eq!(axes.iter().filter(|a| a["kind"] == "AXIS").count(), 3, "three thematic axes");
        assert!(axes.iter().any(|a| a["kind"] == "CROSS_CUTTING"));
        assert_eq!(axes[0]["title"], "Protection et résilience");

        let e = &d["events"]["nodes"][0];
        assert_eq!(e["kind"], "WORKSHOP");
        assert_eq!(e["startsAt"], "2018-04-09T23:00:00Z", "10 April 2018, 00:00 in Rabat (UTC+1)");
        assert!(e["endsAt"].as_str().unwrap().starts_with("2018-04-11"));
        assert_eq!(e["city"], "Rabat");
        assert!(e["venue"].as_str().unwrap().contains("Farah"));
        assert_eq!(e["project"]["acronym"], "INDIMAJ-Oriental");
        assert!(e["project"]["funders"]["nodes"][0]["name"].as_str().unwrap().contains("Pays-Bas"));
        let sessions = e["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        let mods: Vec<&str> = sessions[0]["moderators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["person"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(mods, vec!["Saad Alami", "David Martineau"]);
        assert_eq!(sessions[1]["moderators"][1]["person"]["name"], "Bara Mboup");
        assert_eq!(sessions[2]["moderators"][0]["person"]["name"], "Hind Aïssaoui Bennani");
        assert_eq!(e["recommendations"].as_array().unwrap().len(), 3);
        assert!(!e["newsArticles"]["nodes"].as_array().unwrap().is_empty());
        s.finish().await;
    }
}

#[tokio::test]
async fn salemm_closing_conference_page() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let d = one(
            &s,
            r#"{ project(slug: "salemm") { acronym durationMonths website status beneficiaryCountries { code name }
                   partners { nodes { acronym } } outputs { kind title }
                   events { nodes { kind startsAt city sessions { title } recommendations participantCountries { code } } } } }"#,
            json!({}),
        )
        .await;
        let p = &d["project"];
        assert_eq!(p["acronym"], "SALEMM", "{b:?}");
        assert_eq!(p["durationMonths"], 36);
        assert!(p["website"].as_str().unwrap().contains("salemm.org"));
        let codes: Vec<&str> =
            p["beneficiaryCountries"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        assert_eq!(codes, vec!["MA", "TN", "IT"]);
        let partners: Vec<&str> =
            p["partners"]["nodes"].as_array().unwrap().iter().filter_map(|o| o["acronym"].as_str()).collect();
        assert!(partners.contains(&"FMPCI") && partners.contains(&"ANOLF"));
        let e = &p["events"]["nodes"][0];
        assert_eq!(e["kind"], "CONFERENCE");
        assert!(e["startsAt"].as_str().unwrap().starts_with("2016-01-28"));
        assert_eq!(e["sessions"].as_array().unwrap().len(), 3);
        let recs = e["recommendations"].as_array().unwrap();
        assert_eq!(recs.len(), 6);
        assert!(recs[0].as_str().unwrap().starts_with("Impliquer l’Enseignement supérieur"));
        s.finish().await;
    }
}

#[tokio::test]
async fn m_learn_fact_sheet_page() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let d = one(
            &s,
            r#"{ project(slug: "m-learn") { title acronym endDate status projectType budget { amount currency }
                   coverage region externalIds { scheme value } beneficiaryCountries { code name } outputs { kind } } }"#,
            json!({}),
        )
        .await;
        let p = &d["project"];
        assert_eq!(p["acronym"], "M-LEARN", "{b:?}");
        assert!(p["title"].as_str().unwrap().starts_with("Promotion de la non-discrimination en Afrique du Nord"));
        assert_eq!(p["endDate"], "2024");
        assert_eq!(p["status"], "COMPLETED");
        assert_eq!(p["projectType"], "Recherche et publications en matière migratoire");
        assert_eq!(p["budget"], json!({ "amount": "250000.00", "currency": "USD" }));
        assert_eq!(p["coverage"], "REGIONAL");
        assert_eq!(p["region"], "Afrique");
        assert_eq!(
            p["externalIds"],
            json!([{ "scheme": "PRIMA_ID", "value": "TN10P0004" }, { "scheme": "PROJECT_ID", "value": "PR.0236" }])
        );
        assert_eq!(
            p["beneficiaryCountries"],
            json!([{ "code": "TN", "name": "Tunisie" }, { "code": "MA", "name": "Maroc" }])
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn rabat_trainings_page() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let d = one(
            &s,
            r#"{ events(filter: { kind: { eq: TRAINING } }) { totalCount nodes { title startsAt endsAt city participantCount
                   participantCountries { code name }
                   speakers { edges { role node { name honorific positions { title organisation { acronym } } } } }
                   project { title funders { nodes { name } } beneficiaryCountries { code } } } } }"#,
            json!({}),
        )
        .await;
        assert_eq!(d["events"]["totalCount"], 1, "{b:?}");
        let e = &d["events"]["nodes"][0];
        assert_eq!(e["participantCount"], 63);
        let codes: Vec<&str> =
            e["participantCountries"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        assert_eq!(codes, vec!["MA", "CM", "CI", "GN", "NG"]);
        assert!(e["startsAt"].as_str().unwrap().starts_with("2016-05-15T23:00"), "16 May 2016 in Rabat (UTC+1)");
        assert!(e["endsAt"].as_str().unwrap().starts_with("2016-05-19"));
        let trainers: Vec<&str> =
            e["speakers"]["edges"].as_array().unwrap().iter().map(|x| x["node"]["name"].as_str().unwrap()).collect();
        assert_eq!(trainers, vec!["Michela Macchiavello", "Kristina Touzenis"]);
        assert!(e["project"]["title"].as_str().unwrap().contains("migrants vulnérables et en détresse"));
        assert!(e["project"]["funders"]["nodes"][0]["name"].as_str().unwrap().contains("Union européenne"));
        s.finish().await;
    }
}
