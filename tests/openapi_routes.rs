//! infra/openapi.yaml and the template's HTTP routes describe the same API: the same set of
//! (method, path), and the same scope per route; the one route without a token (the signed
//! webhook) is the one the document exempts from its bearer scheme.

use std::collections::BTreeSet;

use scl_local::template::Template;

#[test]
fn openapi_paths_are_exactly_the_templates_routes() {
    let root = scl_tests::repo_root();
    let template = Template::load(&root.join("infra/template.yaml")).unwrap();
    let routes: BTreeSet<(String, String)> = template
        .functions
        .iter()
        .flat_map(|f| f.routes.iter().map(|r| (r.method.clone(), r.path.clone())))
        .collect();
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root.join("infra/openapi.yaml")).unwrap())
            .unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            let m = method.as_str().unwrap();
            if ["get", "put", "post", "delete", "patch"].contains(&m) {
                documented.insert((m.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    assert_eq!(routes, documented);
    assert_eq!(routes.len(), 23);
    // Scopes: everything scl.view except /settings, /detection/* and /integrations/*, with the prefix the
    // template's ScopePrefix gives them (resolved to its default).
    let prefix = &template.parameters["ScopePrefix"];
    for f in &template.functions {
        for r in &f.routes {
            let operation = &doc["paths"][r.path.as_str()][r.method.to_lowercase().as_str()];
            let exempt = operation["security"]
                .as_sequence()
                .is_some_and(|s| s.is_empty());
            assert_eq!(r.public, exempt, "{} {}: token or not", r.method, r.path);
            assert_eq!(r.public, r.path.starts_with("/webhooks/"), "{}", r.path);
            if r.public {
                assert!(
                    r.scopes.is_empty(),
                    "{}: a route without a token has no scope",
                    r.path
                );
                continue;
            }
            let admin = ["/settings", "/detection/", "/integrations/"];
            let want = if admin.iter().any(|p| r.path.starts_with(p)) {
                "scl.admin"
            } else {
                "scl.view"
            };
            assert_eq!(
                r.scopes,
                vec![format!("{prefix}{want}")],
                "{} {}",
                r.method,
                r.path
            );
        }
    }
}
