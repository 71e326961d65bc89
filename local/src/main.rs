//! `make dev`: the whole local stack in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use scl_local::jwt::{self, DevClaims};
use scl_local::runtime::{default_bin_dir, RuntimeConfig};
use scl_local::stack::{Stack, StackConfig};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<()> {
    // The stack's own messages (IAM denials, stream and queue mapping retries, schedule failures).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCL_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    let root = PathBuf::from(env_or("SCL_ROOT", "."));
    let api_addr: SocketAddr = env_or("SCL_API_ADDR", "127.0.0.1:3000").parse()?;
    let invoke_addr: SocketAddr = env_or("SCL_INVOKE_ADDR", "127.0.0.1:3001").parse()?;
    let secret = jwt::secret_from_env();
    let stack = Stack::start(StackConfig {
        template: root.join("infra/template.yaml"),
        runtime: RuntimeConfig {
            rie: root.join(".local/bin/aws-lambda-rie"),
            bin_dir: default_bin_dir(&root),
            dynamodb_url: env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000"),
            moto_url: env_or("SCL_MOTO_URL", "http://127.0.0.1:5000"),
            access_key: scl_local::stack::LOCAL_ACCESS_KEY.into(),
            log_dir: None,
        },
        name_prefix: String::new(),
        api_addr,
        invoke_addr,
        jwt_secret: secret.clone(),
        console_dir: Some(root.join("web/dist")),
    })
    .await?;

    // The sample business receives the samples' events, as if its administrator had connected
    // the phone platform and booking system.
    let table = stack
        .resolved
        .names
        .get("LeadsTable")
        .cloned()
        .unwrap_or_default();
    let ddb =
        scl_local::stack::client_config(&env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000")).await;
    let store = scl_aws::DynamoStore::new(aws_sdk_dynamodb::Client::new(&ddb), table.clone());
    scl_local::seed::bind_sample_sources(&store, "t-1").await?;
    let token = jwt::mint(
        &DevClaims::new("dev-user", "t-1", "scl.view scl.admin", 7 * 24 * 3600),
        &secret,
    )?;
    println!(
        r#"
Second Chance Leads local stack is ready.
  CSR console  http://{api}/   (sign in as any business, user and permissions)
  HTTP API     http://{api}   (GET /health needs no token)
  Invoke API   http://{invoke}/2015-03-31/functions/{{FunctionName}}/invocations
  DynamoDB     {ddb} (table {table})
  moto         {moto}/moto-api/data.json

Dev token (tenant t-1, user dev-user, scopes scl.view scl.admin, valid 7 days):
  export TOKEN={token}

Business t-1 receives events from phone.platform and booking.system (account {account}),
as its settings' event_sources say; an event from any other source is refused and filed:
  curl -s -H "Authorization: Bearer $TOKEN" http://{api}/settings

Send a call (the sample, stamped with the current time) and list it:
  scripts/send-sample.sh call
  curl -s -H "Authorization: Bearer $TOKEN" 'http://{api}/leads?tab=open&status=new'

Calls that scored just under the threshold, promoting one, and what CSR feedback taught:
  curl -s -H "Authorization: Bearer $TOKEN" 'http://{api}/calls/near-misses'
  curl -s -X POST -H "Authorization: Bearer $TOKEN" http://{api}/calls/<call_id>/promote -d '{{}}'
  curl -s -H "Authorization: Bearer $TOKEN" http://{api}/detection/stats

What the queue recovered, per day and per CSR (the last 30 days), and as CSV:
  curl -s -H "Authorization: Bearer $TOKEN" 'http://{api}/reports/summary'
  curl -s -OJ -H "Authorization: Bearer $TOKEN" 'http://{api}/reports/summary.csv'

Ctrl-C stops everything.
"#,
        api = stack.api_addr,
        invoke = stack.invoke_addr,
        ddb = env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000"),
        moto = env_or("SCL_MOTO_URL", "http://127.0.0.1:5000"),
        account = scl_local::seed::SAMPLE_ACCOUNT,
    );
    // Stop on Ctrl-C or SIGTERM; dropping the stack stops every runtime emulator.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    drop(stack);
    Ok(())
}
