//! Network policy for datasource hosts: resolve the name ourselves and refuse addresses no
//! database should live at (link-local, cloud metadata, unspecified, multicast). An admin can
//! restrict hosts further with `DATABASEAI_ALLOWED_HOSTS`. Returns the checked address so the
//! caller connects to exactly what was checked (no DNS rebinding in between).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::server::error::AppError;

pub fn is_forbidden_ip(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_ipv4(v6) {
                return forbidden_v4(v4);
            }
            if v6.is_unspecified() {
                Some("the unspecified address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if (v6.segments()[0] & 0xffc0) == 0xfe80 {
                Some("a link-local address")
            } else if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                Some("a cloud metadata address")
            } else {
                None
            }
        }
    }
}

/// The IPv4 address an IPv6 address carries and may be routed to: mapped (`::ffff:a.b.c.d`),
/// compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`), 6to4 (`2002::/16`) and
/// Teredo (`2001::/32`, client address inverted). Checked as the IPv4 address it is.
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let from = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    match s {
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) != (0, 0) && (hi, lo) != (0, 1) => Some(from(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(from(hi, lo)),
        [0x64, 0xff9b, 1, ..] => Some(from(s[6], s[7])),
        [0x2002, hi, lo, ..] => Some(from(hi, lo)),
        [0x2001, 0, ..] => Some(from(!s[6], !s[7])),
        _ => None,
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if ip.is_link_local() {
        // 169.254.0.0/16 holds 169.254.169.254, the usual cloud metadata endpoint.
        Some("a link-local or cloud metadata address")
    } else if ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a cloud metadata address")
    } else if ip.is_unspecified() {
        Some("the unspecified address")
    } else if ip.is_broadcast() || ip.is_multicast() {
        Some("a broadcast or multicast address")
    } else {
        None
    }
}

/// Whether the administrator's allow-list names `host` (case-insensitive).
pub fn is_allow_listed(host: &str, allowed_hosts: &[String]) -> bool {
    allowed_hosts.iter().any(|h| h.trim().eq_ignore_ascii_case(host))
}

/// Refuses a host the allow-list (when one is set) does not name.
pub fn check_allow_list(host: &str, allowed_hosts: &[String]) -> Result<(), AppError> {
    if allowed_hosts.is_empty() || is_allow_listed(host, allowed_hosts) {
        Ok(())
    } else {
        Err(AppError::NetworkPolicy(format!("host {host} is not in the administrator's list of allowed hosts")))
    }
}

/// Resolves `host:port` and checks every address. Errors are for people.
pub async fn resolve_allowed(host: &str, port: u16, allowed_hosts: &[String]) -> Result<SocketAddr, AppError> {
    check_allow_list(host, allowed_hosts)?;
    let lookup = tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| AppError::Connection(format!("looking up host {host} timed out")))?;
    let addrs: Vec<SocketAddr> = lookup
        .map_err(|_| AppError::Connection(format!("host {host} was not found (DNS lookup failed)")))?
        .collect();
    if addrs.is_empty() {
        return Err(AppError::Connection(format!("host {host} has no addresses")));
    }
    for a in &addrs {
        if let Some(why) = is_forbidden_ip(a.ip()) {
            return Err(AppError::NetworkPolicy(format!("host {host} resolves to {why}, which is never allowed")));
        }
    }
    Ok(addrs[0])
}

/// Checks a base URL the server will call (an LLM endpoint): http(s) only, no credentials in
/// the URL, the host resolved and checked like a datasource host, and plain http only to a
/// loopback address or a host the administrator named (in the allow-list or in `http_hosts`,
/// e.g. an LLM container on a private network). The HTTP client that uses it must also refuse
/// redirects, so a checked URL cannot bounce elsewhere.
pub async fn check_base_url(raw: &str, allowed_hosts: &[String], http_hosts: &[String]) -> Result<url::Url, AppError> {
    let url = url::Url::parse(raw.trim()).map_err(|e| AppError::InvalidInput(format!("invalid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::InvalidInput("the URL must start with http:// or https://".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::InvalidInput("put credentials in the API key field, not in the URL".into()));
    }
    let host = url.host_str().ok_or_else(|| AppError::InvalidInput("the URL has no host".into()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addr = resolve_allowed(&host, port, allowed_hosts).await?;
    let named = is_allow_listed(&host, allowed_hosts) || is_allow_listed(&host, http_hosts);
    if url.scheme() == "http" && !addr.ip().is_loopback() && !named {
        return Err(AppError::NetworkPolicy(format!(
            "plain http is only allowed to this machine or an allow-listed host; use https for {host}"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_link_local_are_forbidden() {
        for ip in ["169.254.169.254", "169.254.1.1", "0.0.0.0", "224.0.0.1", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200",
            "64:ff9b::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe", "2002:a9fe:a9fe::1", "::169.254.169.254", "2001:0:4136:e378:8000:63bf:5601:5601"] {
            assert!(is_forbidden_ip(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["127.0.0.1", "10.0.0.5", "192.168.1.2", "8.8.8.8", "::1"] {
            assert!(is_forbidden_ip(ip.parse().unwrap()).is_none(), "{ip}");
        }
    }

    #[tokio::test]
    async fn resolution_checks_every_address_and_the_allow_list() {
        assert!(resolve_allowed("127.0.0.1", 5432, &[]).await.is_ok());
        assert!(matches!(resolve_allowed("169.254.169.254", 80, &[]).await, Err(AppError::NetworkPolicy(_))));
        let allow = vec!["db.internal".to_string()];
        assert!(matches!(resolve_allowed("127.0.0.1", 5432, &allow).await, Err(AppError::NetworkPolicy(_))));
        assert!(matches!(resolve_allowed("no-such-host.invalid", 5432, &[]).await, Err(AppError::Connection(_))));
    }

    #[tokio::test]
    async fn base_urls_are_checked() {
        assert!(check_base_url("http://127.0.0.1:8081/v1", &[], &[]).await.is_ok());
        assert!(check_base_url("http://[::1]:8081/v1", &[], &[]).await.is_ok());
        for (bad, kind) in [
            ("http://169.254.169.254/latest/meta-data", "forbidden"),
            ("http://[fd00:ec2::254]/", "forbidden"),
            ("file:///etc/passwd", "invalid_input"),
            ("gopher://127.0.0.1/", "invalid_input"),
            ("http://user:secret@127.0.0.1/v1", "invalid_input"),
            ("not a url", "invalid_input"),
            ("https://no-such-host.invalid/v1", "connection_failed"),
        ] {
            let e = check_base_url(bad, &[], &[]).await.unwrap_err();
            assert_eq!(e.code(), kind, "{bad}");
        }
        let allow = vec!["localhost".to_string()];
        assert!(check_base_url("http://localhost:8081/v1", &allow, &[]).await.is_ok());
        assert_eq!(check_base_url("http://127.0.0.1:8081/v1", &allow, &[]).await.unwrap_err().code(), "forbidden");
        // Plain http to another machine only when the administrator named it.
        let e = check_base_url("http://10.0.0.7:8081/v1", &[], &[]).await.unwrap_err();
        assert!(e.public_message().contains("plain http"), "{e}");
        assert!(check_base_url("http://10.0.0.7:8081/v1", &[], &["10.0.0.7".into()]).await.is_ok());
        assert!(check_base_url("https://10.0.0.7/v1", &[], &[]).await.is_ok());
    }
}
