//! Rule variables ($HOME_NET, $HTTP_PORTS, …): their definitions and the
//! resolution of address and port expressions that use them.

use super::address::IpSet;
use super::lists::{Leaves, ListSet, parse_list};
use super::port::PortSet;
use std::collections::{BTreeMap, HashMap};

/// The address and port groups rules may refer to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Vars {
    pub address_groups: BTreeMap<String, String>,
    pub port_groups: BTreeMap<String, String>,
}

impl Default for Vars {
    /// The defaults Suricata ships, so rule sets written for it load as is.
    fn default() -> Self {
        let address_groups = [
            ("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"),
            ("EXTERNAL_NET", "!$HOME_NET"),
            ("HTTP_SERVERS", "$HOME_NET"),
            ("SMTP_SERVERS", "$HOME_NET"),
            ("SQL_SERVERS", "$HOME_NET"),
            ("DNS_SERVERS", "$HOME_NET"),
            ("TELNET_SERVERS", "$HOME_NET"),
            ("AIM_SERVERS", "$EXTERNAL_NET"),
            ("DC_SERVERS", "$HOME_NET"),
            ("DNP3_SERVER", "$HOME_NET"),
            ("DNP3_CLIENT", "$HOME_NET"),
            ("MODBUS_CLIENT", "$HOME_NET"),
            ("MODBUS_SERVER", "$HOME_NET"),
            ("ENIP_CLIENT", "$HOME_NET"),
            ("ENIP_SERVER", "$HOME_NET"),
        ];
        let port_groups = [
            ("HTTP_PORTS", "80"),
            ("SHELLCODE_PORTS", "!80"),
            ("ORACLE_PORTS", "1521"),
            ("SSH_PORTS", "22"),
            ("DNP3_PORTS", "20000"),
            ("MODBUS_PORTS", "502"),
            ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
            ("FTP_PORTS", "21"),
            ("GENEVE_PORTS", "6081"),
            ("VXLAN_PORTS", "4789"),
            ("TEREDO_PORTS", "3544"),
            ("SIP_PORTS", "[5060,5061]"),
        ];
        Vars {
            address_groups: address_groups
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            port_groups: port_groups
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// Resolves expressions against [`Vars`], caching each variable's set.
pub struct Resolver<'v> {
    vars: &'v Vars,
    addr_cache: HashMap<String, IpSet>,
    port_cache: HashMap<String, PortSet>,
}

impl<'v> Resolver<'v> {
    pub fn new(vars: &'v Vars) -> Self {
        Resolver {
            vars,
            addr_cache: HashMap::new(),
            port_cache: HashMap::new(),
        }
    }

    pub fn addresses(&mut self, expr: &str) -> Result<IpSet, String> {
        let mut leaves = VarLeaves {
            defs: &self.vars.address_groups,
            cache: &mut self.addr_cache,
            atom: IpSet::parse_atom,
            kind: "address",
        };
        let set = parse_list(expr, &mut leaves, 0)?;
        if set.is_empty() {
            return Err(format!("address '{expr}' matches nothing"));
        }
        Ok(set)
    }

    pub fn ports(&mut self, expr: &str) -> Result<PortSet, String> {
        let mut leaves = VarLeaves {
            defs: &self.vars.port_groups,
            cache: &mut self.port_cache,
            atom: PortSet::parse_atom,
            kind: "port",
        };
        let set = parse_list(expr, &mut leaves, 0)?;
        if set.0.is_empty() {
            return Err(format!("port '{expr}' matches nothing"));
        }
        Ok(set)
    }
}

/// Leaves of one kind of list: atoms parsed by `atom`, variables looked up
/// in `defs` and cached in `cache`.
struct VarLeaves<'r, S> {
    defs: &'r BTreeMap<String, String>,
    cache: &'r mut HashMap<String, S>,
    atom: fn(&str) -> Result<S, String>,
    kind: &'static str,
}

impl<S: ListSet> Leaves<S> for VarLeaves<'_, S> {
    fn atom(&mut self, text: &str) -> Result<S, String> {
        (self.atom)(text)
    }
    fn var(&mut self, name: &str, depth: usize) -> Result<S, String> {
        if let Some(s) = self.cache.get(name) {
            return Ok(s.clone());
        }
        let def = self
            .defs
            .get(name)
            .ok_or_else(|| format!("unknown {} variable ${name}", self.kind))?;
        let set = parse_list(def, self, depth)?;
        self.cache.insert(name.to_string(), set.clone());
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn home_and_external() {
        let vars = Vars::default();
        let mut r = Resolver::new(&vars);
        let home = r.addresses("$HOME_NET").unwrap();
        let ext = r.addresses("$EXTERNAL_NET").unwrap();
        assert!(home.contains(ip("10.1.2.3")) && !ext.contains(ip("10.1.2.3")));
        assert!(ext.contains(ip("8.8.8.8")) && ext.contains(ip("2001:db8::1")));
    }

    #[test]
    fn lists_with_negation() {
        let vars = Vars::default();
        let mut r = Resolver::new(&vars);
        let s = r
            .addresses("[10.0.0.0/8, !10.1.0.0/16, ![10.2.0.0/16,10.3.0.0/16]]")
            .unwrap();
        assert!(s.contains(ip("10.0.0.1")));
        assert!(!s.contains(ip("10.1.0.1")) && !s.contains(ip("10.3.9.9")));
        assert!(!s.contains(ip("11.0.0.1")));
        let only_neg = r.addresses("[!1.2.3.4]").unwrap();
        assert!(only_neg.contains(ip("1.2.3.5")) && !only_neg.contains(ip("1.2.3.4")));
        let ports = r.ports("[$HTTP_PORTS,8000:8100,!8080]").unwrap();
        assert!(ports.contains(80) && ports.contains(8000) && !ports.contains(8080));
        assert!(r.ports("$SHELLCODE_PORTS").unwrap().contains(81));
    }

    #[test]
    fn errors() {
        let mut vars = Vars::default();
        vars.address_groups.insert("LOOP".into(), "[$LOOP]".into());
        let mut r = Resolver::new(&vars);
        assert!(r.addresses("$NOPE").unwrap_err().contains("unknown address variable"));
        assert!(r.addresses("$LOOP").unwrap_err().contains("nested too deeply"));
        assert!(r.addresses("!any").unwrap_err().contains("matches nothing"));
        assert!(r.addresses("[1.2.3.4").is_err());
        assert!(r.ports("!any").is_err());
    }
}
