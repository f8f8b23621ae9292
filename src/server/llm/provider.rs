//! Which language model the ask pipeline uses: the one saved on the settings page (its API key
//! encrypted in the app store), else the one from flags / environment. A saved change applies
//! to the next question without a restart, on every replica: each question re-reads the one
//! stored row and rebuilds the client only when it changed.
use std::{
    sync::RwLock,
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{ChatMessage, LlmClient, LlmSettings};
use crate::{
    app::model::{LlmProviderInput, LlmProviderView, LlmTestResult},
    server::{
        crypto::SecretBox,
        netpolicy,
        error::{AppError, AppResult},
        store::Store,
    },
};

const SETTING_KEY: &str = "llm_provider";
/// Binds the encrypted key to its purpose, so it cannot be replayed as another secret.
const KEY_CONTEXT: &str = "llm_provider:api_key";

/// The provider as stored: everything but the key in clear.
#[derive(Serialize, Deserialize)]
struct StoredProvider {
    base_url: String,
    model: String,
    api_key_enc: Option<String>,
    temperature: f32,
    max_tokens: u32,
    timeout_ms: u64,
}

/// Where a base URL may point (see `netpolicy::check_base_url`).
#[derive(Clone, Debug, Default)]
pub struct LlmUrlPolicy {
    pub allowed_hosts: Vec<String>,
    pub http_hosts: Vec<String>,
}

struct Current {
    source: &'static str,
    client: Option<LlmClient>,
    /// The stored row this client was built from (`None` inside: nothing saved); `None`
    /// before the first read.
    built_from: Option<Option<String>>,
}

pub struct LlmProviders {
    store: Store,
    secrets: SecretBox,
    url_policy: LlmUrlPolicy,
    from_env: Option<LlmSettings>,
    current: RwLock<Current>,
}

impl LlmProviders {
    /// Starts with the saved provider if there is a usable one, else the environment's.
    pub async fn load(store: Store, secrets: SecretBox, url_policy: LlmUrlPolicy, from_env: Option<LlmSettings>) -> AppResult<Self> {
        let providers = LlmProviders {
            store,
            secrets,
            url_policy,
            current: RwLock::new(Current { source: "none", client: None, built_from: None }),
            from_env,
        };
        providers.refresh().await;
        Ok(providers)
    }

    /// Follows the stored row, which another replica may have changed.
    async fn refresh(&self) {
        let row = match self.store.get_setting(SETTING_KEY).await {
            Ok(row) => row,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the language model settings; keeping the current ones");
                return;
            }
        };
        if self.current.read().expect("provider lock").built_from.as_ref() == Some(&row) {
            return;
        }
        let saved = match &row {
            Some(json) => match self.settings_from_row(json).await {
                Ok(settings) => Some(settings),
                Err(e) => {
                    tracing::warn!(error = %e.public_message(), "the saved language model settings are unusable; using the environment's");
                    None
                }
            },
            None => None,
        };
        self.install(saved, row);
    }

    /// The client for the next question, if a model is configured.
    pub async fn client(&self) -> Option<LlmClient> {
        self.refresh().await;
        self.current.read().expect("provider lock").client.clone()
    }

    pub async fn view(&self) -> LlmProviderView {
        self.refresh().await;
        let current = self.current.read().expect("provider lock");
        match &current.client {
            Some(client) => {
                let s = client.settings();
                LlmProviderView {
                    source: current.source.into(),
                    base_url: s.base_url.to_string(),
                    model: s.model.clone(),
                    has_api_key: s.api_key.is_some(),
                    temperature: s.temperature,
                    max_tokens: s.max_tokens,
                    timeout_ms: s.timeout.as_millis() as u64,
                }
            }
            None => LlmProviderView {
                source: "none".into(),
                base_url: String::new(),
                model: String::new(),
                has_api_key: false,
                temperature: 0.0,
                max_tokens: 512,
                timeout_ms: 180_000,
            },
        }
    }

    /// Checks and saves the settings; they apply to the next question.
    pub async fn save(&self, input: &LlmProviderInput) -> AppResult<LlmProviderView> {
        let settings = self.settings_from_input(input).await?;
        let stored = StoredProvider {
            base_url: settings.base_url.to_string(),
            model: settings.model.clone(),
            api_key_enc: settings.api_key.as_ref().map(|k| self.secrets.encrypt(k.expose_secret(), KEY_CONTEXT)),
            temperature: settings.temperature,
            max_tokens: settings.max_tokens,
            timeout_ms: settings.timeout.as_millis() as u64,
        };
        let json = serde_json::to_string(&stored).map_err(AppError::internal)?;
        self.store.set_setting(SETTING_KEY, &json).await?;
        self.install(Some(settings), Some(json));
        tracing::info!(model = %stored.model, "language model settings saved");
        Ok(self.view().await)
    }

    /// Forgets the saved settings and goes back to the environment's.
    pub async fn reset(&self) -> AppResult<LlmProviderView> {
        self.store.delete_setting(SETTING_KEY).await?;
        self.install(None, None);
        Ok(self.view().await)
    }

    /// One short request with these settings (saved or not), to see that they work.
    pub async fn test(&self, input: &LlmProviderInput) -> AppResult<LlmTestResult> {
        let settings = self.settings_from_input(input).await?;
        let client = LlmClient::new(LlmSettings { max_tokens: 16, ..settings });
        let messages = [ChatMessage::system("You are a connection test."), ChatMessage::user("Reply with the single word OK.")];
        let started = Instant::now();
        let outcome = client.chat(&messages, None, &mut |_| {}).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(match outcome {
            Ok(reply) => {
                let reply: String = reply.trim().chars().take(60).collect();
                LlmTestResult { ok: true, message: format!("the model answered in {elapsed_ms} ms: “{reply}”"), elapsed_ms }
            }
            Err(e) => LlmTestResult { ok: false, message: e.to_string(), elapsed_ms },
        })
    }

    fn install(&self, saved: Option<LlmSettings>, row: Option<String>) {
        let (source, client) = match (saved, &self.from_env) {
            (Some(settings), _) => ("settings", Some(LlmClient::new(settings))),
            (None, Some(env)) => ("environment", Some(LlmClient::new(env.clone()))),
            (None, None) => ("none", None),
        };
        *self.current.write().expect("provider lock") = Current { source, client, built_from: Some(row) };
    }

    async fn saved(&self) -> AppResult<Option<StoredProvider>> {
        let Some(json) = self.store.get_setting(SETTING_KEY).await? else { return Ok(None) };
        Ok(Some(serde_json::from_str(&json).map_err(AppError::internal)?))
    }

    async fn settings_from_row(&self, json: &str) -> AppResult<LlmSettings> {
        let stored: StoredProvider = serde_json::from_str(json).map_err(AppError::internal)?;
        let api_key = match &stored.api_key_enc {
            Some(enc) => Some(self.secrets.decrypt(enc, KEY_CONTEXT).map_err(AppError::internal)?),
            None => None,
        };
        self.checked(&stored.base_url, &stored.model, api_key, stored.temperature, stored.max_tokens, stored.timeout_ms).await
    }

    async fn settings_from_input(&self, input: &LlmProviderInput) -> AppResult<LlmSettings> {
        let typed = input.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let api_key = match (typed, input.clear_api_key) {
            (Some(key), _) => Some(SecretString::from(key.to_string())),
            (None, true) => None,
            // Keep the saved key: the browser never has it to send back.
            (None, false) => match self.saved().await? {
                // The saved key is only ever sent to the URL it was saved for.
                Some(StoredProvider { api_key_enc: Some(_), base_url, .. }) if base_url.trim() != input.base_url.trim() => {
                    return Err(AppError::InvalidInput(
                        "the base URL changed: enter the API key again (the saved one is only sent to the URL it was saved for), or clear it".into(),
                    ));
                }
                Some(StoredProvider { api_key_enc: Some(enc), .. }) => {
                    Some(self.secrets.decrypt(&enc, KEY_CONTEXT).map_err(AppError::internal)?)
                }
                _ => None,
            },
        };
        self.checked(&input.base_url, &input.model, api_key, input.temperature, input.max_tokens, input.timeout_ms).await
    }

    async fn checked(
        &self,
        base_url: &str,
        model: &str,
        api_key: Option<SecretString>,
        temperature: f32,
        max_tokens: u32,
        timeout_ms: u64,
    ) -> AppResult<LlmSettings> {
        let bad = |m: &str| Err(AppError::InvalidInput(m.to_string()));
        if base_url.trim().is_empty() {
            return bad("the base URL is required, e.g. http://127.0.0.1:8081/v1");
        }
        let model = model.trim();
        if model.is_empty() || model.len() > 200 {
            return bad("the model name is required (at most 200 characters)");
        }
        if !(0.0..=2.0).contains(&temperature) {
            return bad("the temperature must be between 0 and 2");
        }
        if !(16..=32_768).contains(&max_tokens) {
            return bad("max tokens must be between 16 and 32768");
        }
        if !(1_000..=600_000).contains(&timeout_ms) {
            return bad("the timeout must be between 1000 and 600000 ms");
        }
        let base_url = netpolicy::check_base_url(base_url, &self.url_policy.allowed_hosts, &self.url_policy.http_hosts).await?;
        Ok(LlmSettings { base_url, model: model.to_string(), api_key, temperature, max_tokens, timeout: Duration::from_millis(timeout_ms) })
    }
}
