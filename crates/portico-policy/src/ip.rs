//! CIDR blocks for `IpAddress` / `NotIpAddress`, IPv4 and IPv6, on `std::net` alone.

use std::net::IpAddr;

/// A network: address and prefix length. A bare address is a /32 (or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

// === impl Cidr ===

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address.
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) => {
                prefix.parse::<u8>().ok().filter(|p| *p <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    /// Whether `address` (text, as in `aws:SourceIp`) lies in this block. IPv4-mapped IPv6
    /// addresses count as their IPv4 address.
    pub(crate) fn contains(&self, address: &str) -> bool {
        address
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|address| self.contains_ip(address))
    }

    /// Whether `address` lies in this block (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains_ip(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cidr: &str, address: &str, expected: bool) {
        let cidr = Cidr::parse(cidr).unwrap();
        assert_eq!(cidr.contains(address), expected, "{cidr:?} {address}");
    }

    #[test]
    fn cidr_blocks_contain_their_addresses() {
        check("203.0.113.0/24", "203.0.113.7", true);
        check("203.0.113.0/24", "203.0.114.7", false);
        check("0.0.0.0/0", "8.8.8.8", true);
        check("10.1.2.3", "10.1.2.3", true);
        check("10.1.2.3/32", "10.1.2.4", false);
        check("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", true);
        check("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", false);
        check("::/0", "::1", true);
        check("203.0.113.0/24", "::ffff:203.0.113.9", true);
        check("203.0.113.0/24", "2001:db8::1", false);
        check("203.0.113.0/24", "not-an-ip", false);
    }

    #[test]
    fn malformed_blocks_are_rejected() {
        for text in [
            "",
            "1.2.3.4/33",
            "::/129",
            "1.2.3/24",
            "1.2.3.4/",
            "1.2.3.4/x",
            "1.2.3.4/+1",
        ] {
            assert_eq!(Cidr::parse(text), None, "{text}");
        }
    }
}
