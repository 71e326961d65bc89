//! env.json (for `sam local invoke/start-api --env-vars env.json` from containers) gives every
//! function every environment variable the template declares for it.

use scl_local::template::Template;
use serde_json::Value;

#[test]
fn env_json_covers_every_functions_variables() {
    let root = scl_tests::repo_root();
    let template = Template::load(&root.join("infra/template.yaml")).unwrap();
    let env: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("env.json")).unwrap()).unwrap();
    for f in &template.functions {
        for var in f.environment.keys() {
            let set = env
                .get(&f.logical_id)
                .and_then(|e| e.get(var))
                .or_else(|| env["Parameters"].get(var));
            assert!(
                set.is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())),
                "{} needs {var} in env.json",
                f.logical_id
            );
        }
    }
    assert_eq!(
        env["Parameters"]["AWS_ENDPOINT_URL_DYNAMODB"],
        "http://host.docker.internal:8000"
    );
}
