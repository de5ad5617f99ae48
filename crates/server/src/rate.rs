//! Submissions per client: a token bucket per IP address, checked before a
//! request is read, so cached answers and refusals count too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    /// Tokens added per second; 0 turns the limit off.
    per_second: f64,
    /// The bucket's size: submissions a client may make in a burst.
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Clients remembered before the full buckets (idle clients) are dropped.
const REMEMBERED: usize = 10_000;

impl RateLimiter {
    /// `per_minute` submissions a minute on average, `burst` at once.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one submission from `client`'s allowance, or says in how many
    /// seconds one will be there.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_second == 0.0 {
            return Ok(());
        }
        let client = network(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= REMEMBERED {
            // Idle clients first (full buckets); if every one is active,
            // the half seen longest ago.
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.refilled(now, rate, burst) < burst);
            if buckets.len() >= REMEMBERED {
                let mut seen: Vec<Instant> = buckets.values().map(|b| b.at).collect();
                let middle = seen.len() / 2;
                let cutoff = *seen.select_nth_unstable(middle).1;
                buckets.retain(|_, b| b.at > cutoff);
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.tokens = bucket.refilled(now, self.per_second, self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The allowance's owner: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's network; its addresses are the subscriber's to choose).
fn network(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
    }
}

impl Bucket {
    fn refilled(&self, now: Instant, rate: f64, burst: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * rate).min(burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(60, 3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(a, t0), Ok(()));
        }
        assert_eq!(limiter.take(a, t0), Err(1));
        // Another client has its own allowance.
        assert_eq!(limiter.take(b, t0), Ok(()));
        // One a second comes back.
        assert_eq!(limiter.take(a, t0 + Duration::from_millis(1000)), Ok(()));
        assert_eq!(limiter.take(a, t0 + Duration::from_millis(1000)), Err(1));
    }

    #[test]
    fn an_ipv6_network_shares_one_allowance() {
        let limiter = RateLimiter::new(60, 2);
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limiter.take(a, t0), Ok(()));
        assert_eq!(limiter.take(b, t0), Ok(()));
        assert_eq!(limiter.take(a, t0), Err(1));
        assert_eq!(limiter.take(other, t0), Ok(()));
        // An IPv4 client seen through an IPv6 socket is itself.
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let v4: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(limiter.take(mapped, t0), Ok(()));
        assert_eq!(limiter.take(v4, t0), Ok(()));
        assert_eq!(limiter.take(v4, t0), Err(1));
    }

    #[test]
    fn active_clients_beyond_the_memory_keep_the_newest_half() {
        let limiter = RateLimiter::new(60, 2);
        let t0 = Instant::now();
        for i in 0..REMEMBERED as u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(i));
            let at = t0 + Duration::from_micros(u64::from(i));
            assert_eq!(limiter.take(ip, at), Ok(()));
        }
        let later = t0 + Duration::from_millis(20);
        assert_eq!(limiter.take("10.9.9.9".parse().unwrap(), later), Ok(()));
        let kept = limiter.buckets.lock().unwrap().len();
        assert!(kept <= REMEMBERED / 2 + 1, "{kept}");
    }

    #[test]
    fn zero_turns_it_off() {
        let limiter = RateLimiter::new(0, 1);
        let ip: IpAddr = "::1".parse().unwrap();
        for _ in 0..1000 {
            assert_eq!(limiter.take(ip, Instant::now()), Ok(()));
        }
    }
}
