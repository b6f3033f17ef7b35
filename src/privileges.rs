//! Giving up root once the capture sockets are open: the process becomes
//! the given user and group (supplementary groups cleared), so a flaw in a
//! parser cannot act as root.

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("no such user '{0}'")]
    NoUser(String),
    #[error("no such group '{0}'")]
    NoGroup(String),
    #[error("{call} failed: {source}")]
    Call { call: &'static str, source: std::io::Error },
    #[error("dropping privileges is only supported on Unix")]
    Unsupported,
}

/// Becomes `user` (and `group`, default: the user's primary group).
#[cfg(unix)]
pub fn drop_to(user: Option<&str>, group: Option<&str>) -> Result<(), PrivilegeError> {
    use std::ffi::CString;
    let mut uid = None;
    let mut gid = None;
    if let Some(name) = user {
        let c = CString::new(name).map_err(|_| PrivilegeError::NoUser(name.to_string()))?;
        // SAFETY: `c` is a valid NUL-terminated string; getpwnam returns
        // null or a pointer to static storage we read at once, before any
        // other call that could overwrite it.
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if pw.is_null() {
            return Err(PrivilegeError::NoUser(name.to_string()));
        }
        // SAFETY: non-null, points to a valid passwd record (see above).
        let (u, g) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
        uid = Some(u);
        gid = Some(g);
    }
    if let Some(name) = group {
        let c = CString::new(name).map_err(|_| PrivilegeError::NoGroup(name.to_string()))?;
        // SAFETY: as for getpwnam above.
        let gr = unsafe { libc::getgrnam(c.as_ptr()) };
        if gr.is_null() {
            return Err(PrivilegeError::NoGroup(name.to_string()));
        }
        // SAFETY: non-null, points to a valid group record.
        gid = Some(unsafe { (*gr).gr_gid });
    }
    let check = |call: &'static str, rc: libc::c_int| {
        if rc == 0 {
            Ok(())
        } else {
            Err(PrivilegeError::Call {
                call,
                source: std::io::Error::last_os_error(),
            })
        }
    };
    // Group first: once the user changes, the group can no longer be set.
    if let Some(g) = gid {
        // SAFETY: plain system calls on integers and a one-element array.
        check("setgroups", unsafe { libc::setgroups(1, &g) })?;
        // SAFETY: as above.
        check("setgid", unsafe { libc::setgid(g) })?;
    }
    if let Some(u) = uid {
        // SAFETY: as above.
        check("setuid", unsafe { libc::setuid(u) })?;
        // Regaining root must now fail; if it does not, refuse to go on.
        // SAFETY: as above.
        if u != 0 && unsafe { libc::setuid(0) } == 0 {
            return Err(PrivilegeError::Call {
                call: "setuid (root could be regained)",
                source: std::io::Error::other("privileges were not dropped"),
            });
        }
    }
    tracing::info!(?uid, ?gid, "privileges dropped");
    Ok(())
}

#[cfg(not(unix))]
pub fn drop_to(_user: Option<&str>, _group: Option<&str>) -> Result<(), PrivilegeError> {
    Err(PrivilegeError::Unsupported)
}
