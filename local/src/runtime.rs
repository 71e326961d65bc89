//! Functions run as their real built binaries under AWS's Lambda Runtime Interface Emulator
//! (the one `sam local` uses inside its containers): one emulator process per execution
//! environment, and up to a configured number of environments per function (`FunctionPool`),
//! so concurrent invocations run concurrently, as on Lambda.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use crate::template::{FunctionDef, Resolved};

/// How many execution environments a function may have at once, unless `SCL_LOCAL_CONCURRENCY`
/// says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The configured number of environments per function (`SCL_LOCAL_CONCURRENCY`, at least 1).
pub fn concurrency_from_env() -> usize {
    std::env::var("SCL_LOCAL_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| *n >= 1)
        .unwrap_or(DEFAULT_CONCURRENCY)
}

pub struct FunctionRuntime {
    pub logical_id: String,
    port: u16,
    child: Child,
    /// One invocation at a time, like a single warm execution environment.
    busy: Mutex<()>,
    http: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub rie: PathBuf,
    pub bin_dir: PathBuf,
    pub dynamodb_url: String,
    pub moto_url: String,
    /// The access key the stack and its functions sign with. DynamoDB Local keeps a database
    /// per access key: a stack with a key of its own starts on an empty one, whatever other
    /// stacks wrote before it (DynamoDB Local's writes slow down as the stream records of every
    /// table under one key pile up: 24 times slower after two runs of 4,000 waiting calls).
    pub access_key: String,
    /// Where each emulator's output goes (function logs); `None` inherits the terminal.
    pub log_dir: Option<PathBuf>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl FunctionRuntime {
    /// Starts `def` under the emulator; its AWS SDK calls go to `aws_endpoint` (the function's
    /// IAM-checking proxy in the stack).
    pub async fn start(
        def: &FunctionDef,
        resolved: &Resolved,
        cfg: &RuntimeConfig,
        aws_endpoint: &str,
    ) -> Result<Self> {
        // A port found free can be taken by another process before the emulator binds it (many
        // start at once); the emulator then exits, and another pair of ports is tried.
        let mut last = None;
        for _ in 0..5 {
            match Self::start_once(def, resolved, cfg, aws_endpoint).await {
                Ok(rt) => return Ok(rt),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("{}: not started", def.logical_id)))
    }

    async fn start_once(
        def: &FunctionDef,
        resolved: &Resolved,
        cfg: &RuntimeConfig,
        aws_endpoint: &str,
    ) -> Result<Self> {
        let binary = cfg.bin_dir.join(&def.binary);
        if !binary.exists() {
            return Err(anyhow!(
                "{} is not built: run `cargo build --bins` ({})",
                def.binary,
                binary.display()
            ));
        }
        let port = free_port()?;
        let api_port = free_port()?;
        let mut env: BTreeMap<String, String> = def
            .environment
            .iter()
            .filter_map(|(k, v)| resolved.resolve(v).map(|v| (k.clone(), v)))
            .collect();
        for (k, v) in [
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", cfg.access_key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", cfg.access_key.as_str()),
            ("AWS_ENDPOINT_URL_DYNAMODB", aws_endpoint),
            ("AWS_ENDPOINT_URL_SNS", aws_endpoint),
            ("AWS_ENDPOINT_URL_SQS", aws_endpoint),
            ("AWS_ENDPOINT_URL_SES", aws_endpoint),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws_endpoint),
            ("AWS_ENDPOINT_URL_EVENTBRIDGE", aws_endpoint),
            ("AWS_LAMBDA_FUNCTION_NAME", def.logical_id.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            env.entry(k.to_owned()).or_insert_with(|| v.to_owned());
        }
        let mut cmd = Command::new(&cfg.rie);
        cmd.arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{api_port}"))
            .arg(&binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&env)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        match &cfg.log_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                // Appended: a function's environments share its log (the pool empties it when
                // it starts the first).
                let log = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.join(format!("{}.log", def.logical_id)))?;
                cmd.stdout(log.try_clone()?).stderr(log);
            }
            None => {
                cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit());
            }
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {} under {}", def.logical_id, cfg.rie.display()))?;
        let mut rt = FunctionRuntime {
            logical_id: def.logical_id.clone(),
            port,
            child,
            busy: Mutex::new(()),
            http: reqwest::Client::new(),
        };
        rt.wait_ready().await?;
        Ok(rt)
    }

    /// Process id of the emulator (the function's bootstrap runs as its child).
    pub fn emulator_pid(&self) -> Option<u32> {
        self.child.id()
    }

    async fn wait_ready(&mut self) -> Result<()> {
        // Up to 20 s: a machine busy starting many emulators at once can be slow to bind.
        for _ in 0..400 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(anyhow!(
                    "{}: the runtime emulator exited ({status}) before listening",
                    self.logical_id
                ));
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(anyhow!(
            "{}: the runtime emulator did not start",
            self.logical_id
        ))
    }

    /// Invokes the function with `payload`; returns its response payload and whether it was a
    /// function error (the emulator answers errors with an `errorType` body).
    pub async fn invoke(&self, payload: Vec<u8>) -> Result<(Vec<u8>, bool)> {
        let _one_at_a_time = self.busy.lock().await;
        let resp = self
            .http
            .post(format!(
                "http://127.0.0.1:{}/2015-03-31/functions/function/invocations",
                self.port
            ))
            .body(payload)
            .send()
            .await
            .with_context(|| format!("invoking {}", self.logical_id))?;
        let body = resp.bytes().await?.to_vec();
        let is_error = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("errorType").cloned())
            .is_some();
        Ok((body, is_error))
    }
}

/// Up to `max` execution environments of one function, like Lambda's concurrency: an invocation
/// takes an idle environment, or starts another (a cold start) when every one is busy and fewer
/// than `max` exist, or waits for one to be free. One environment is started with the stack.
pub struct FunctionPool {
    pub logical_id: String,
    def: FunctionDef,
    resolved: Resolved,
    cfg: RuntimeConfig,
    aws_endpoint: String,
    idle: std::sync::Mutex<Vec<FunctionRuntime>>,
    /// One permit per environment the pool may have.
    slots: tokio::sync::Semaphore,
    started: std::sync::atomic::AtomicUsize,
    invocations: std::sync::atomic::AtomicU64,
    /// The invocations' time as Lambda bills it: each rounded up to the millisecond.
    billed_ms: std::sync::atomic::AtomicU64,
}

/// What a function's invocations took (`FunctionPool::invocations`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Invocations {
    pub count: u64,
    /// Each invocation's time in its environment, rounded up to the millisecond, summed.
    pub billed_ms: u64,
}

impl FunctionPool {
    pub async fn start(
        def: &FunctionDef,
        resolved: &Resolved,
        cfg: &RuntimeConfig,
        aws_endpoint: &str,
        max: usize,
    ) -> Result<Self> {
        if let Some(dir) = &cfg.log_dir {
            let _ = std::fs::remove_file(dir.join(format!("{}.log", def.logical_id)));
        }
        let first = FunctionRuntime::start(def, resolved, cfg, aws_endpoint).await?;
        Ok(FunctionPool {
            logical_id: def.logical_id.clone(),
            def: def.clone(),
            resolved: resolved.clone(),
            cfg: cfg.clone(),
            aws_endpoint: aws_endpoint.to_owned(),
            idle: std::sync::Mutex::new(vec![first]),
            slots: tokio::sync::Semaphore::new(max.max(1)),
            started: 1.into(),
            invocations: 0.into(),
            billed_ms: 0.into(),
        })
    }

    /// Invokes the function in a free environment (see `FunctionRuntime::invoke`).
    pub async fn invoke(&self, payload: Vec<u8>) -> Result<(Vec<u8>, bool)> {
        let _slot = self.slots.acquire().await?;
        let idle = self.lock_idle().pop();
        let environment = match idle {
            Some(environment) => environment,
            None => {
                self.started
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                FunctionRuntime::start(&self.def, &self.resolved, &self.cfg, &self.aws_endpoint)
                    .await?
            }
        };
        let started = std::time::Instant::now();
        let result = environment.invoke(payload).await;
        let took = started.elapsed();
        self.lock_idle().push(environment);
        self.invocations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.billed_ms.fetch_add(
            took.as_micros().div_ceil(1000) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        result
    }

    /// The invocations so far and their billed time (measured around the emulator's invoke,
    /// so it includes its sub-millisecond overhead).
    pub fn invocations(&self) -> Invocations {
        use std::sync::atomic::Ordering::Relaxed;
        Invocations {
            count: self.invocations.load(Relaxed),
            billed_ms: self.billed_ms.load(Relaxed),
        }
    }

    /// How many execution environments have been started (cold starts).
    pub fn environments_started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Process id of an idle environment's emulator (for memory figures).
    pub fn emulator_pid(&self) -> Option<u32> {
        self.lock_idle()
            .first()
            .and_then(FunctionRuntime::emulator_pid)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<FunctionRuntime>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn default_bin_dir(root: &Path) -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("debug")
}
