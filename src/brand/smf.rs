//! SmartOS: an SMF service that lays the wrapped config.xml over a brand's at every boot.
//!
//! On SmartOS `/usr` is the platform image (read-only, replaced at each platform update) and
//! operators add services by putting manifests in `/opt/custom/smf`, which SmartOS imports at
//! boot. The service written here runs, at every boot, a POSIX sh method that
//! 1. unmounts whatever it laid over `/usr/lib/brand/<brand>/config.xml` before (so a restart
//!    never stacks mounts and never wraps netzone's own file),
//! 2. writes `netzone brand config --base <brand>` of the platform's *current* file to
//!    `/opt/netzone/etc/brand/<brand>/config.xml` (so a new platform's brand changes carry over),
//! 3. `mount -F lofs -o ro` that file over the brand's; `stop` unmounts it.
//!
//! Ordering: the service declares itself a *dependent* of `svc:/system/zones:default`
//! (service_bundle DTD `dependent`: "a service which should depend on this service"), so zones
//! autoboot only after the overlay is in place; `optional_all` so that a failed overlay leaves
//! zones booting with the platform's own hooks (the service goes to maintenance and says why)
//! rather than not at all; `restart_on="none"` because restarting `system/zones` halts every
//! zone. It depends on `svc:/system/filesystem/local` for `/opt` (on SmartOS `filesystem/local`
//! follows `filesystem/minimal`, which follows `filesystem/smartdc`, the service that mounts the
//! zones pool's `/opt`).

use std::fs;
use std::path::{Path, PathBuf};

use super::{file_err, plain_word, set_mode, validate_name, BrandError};

/// The manifest and method of one brand's overlay, and the paths the method uses on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The brand overlaid.
    pub brand: String,
    /// Where `netzone`, `netzone-statechange` and `netzone-verify` are.
    pub bindir: PathBuf,
    /// Where the method is installed (the manifest's `exec` names it there).
    pub method_dir: PathBuf,
    /// The root whose brand is overlaid (`/`; another root only for tests).
    pub root: PathBuf,
    /// Where the wrapped config.xml is kept.
    pub keep_dir: PathBuf,
    /// `mount`, which the method runs to lay the wrapped config.xml over the brand's.
    pub mount: PathBuf,
    /// `umount`.
    pub umount: PathBuf,
    /// The mount table the method reads to tell whether the overlay is in place.
    pub mnttab: PathBuf,
}

fn check_path(what: &'static str, p: &Path, brand: &str) -> Result<(), BrandError> {
    let t = p.to_string_lossy();
    if !p.is_absolute() || !plain_word(&t) || t.contains('%') {
        return Err(BrandError::Brand {
            brand: brand.to_string(),
            reason: format!(
                "{what} '{t}' must be an absolute path of letters, digits and /._,:@=+-"
            ),
        });
    }
    Ok(())
}

impl Spec {
    /// The host's paths: root `/`, kept file under `/opt/netzone/etc/brand/<brand>`,
    /// `/usr/sbin/mount`, `/usr/sbin/umount`, `/etc/mnttab`.
    pub fn new(brand: &str, bindir: &Path, method_dir: &Path) -> Result<Spec, BrandError> {
        let s = Spec {
            brand: brand.to_string(),
            bindir: bindir.to_path_buf(),
            method_dir: method_dir.to_path_buf(),
            root: PathBuf::from("/"),
            keep_dir: Path::new("/opt/netzone/etc/brand").join(brand),
            mount: PathBuf::from("/usr/sbin/mount"),
            umount: PathBuf::from("/usr/sbin/umount"),
            mnttab: PathBuf::from("/etc/mnttab"),
        };
        s.check()?;
        Ok(s)
    }

    /// Every name and path is one the method can carry without quoting problems.
    pub fn check(&self) -> Result<(), BrandError> {
        validate_name(&self.brand)?;
        for (what, p) in [
            ("program directory", &self.bindir),
            ("method directory", &self.method_dir),
            ("root", &self.root),
            ("keep directory", &self.keep_dir),
            ("mount", &self.mount),
            ("umount", &self.umount),
            ("mnttab", &self.mnttab),
        ] {
            check_path(what, p, &self.brand)?;
        }
        Ok(())
    }

    /// `site/netzone-brand-<brand>`.
    pub fn service(&self) -> String {
        format!("site/netzone-brand-{}", self.brand)
    }
    /// `netzone-brand-<brand>.xml`: the manifest's file name.
    pub fn manifest_file(&self) -> String {
        format!("netzone-brand-{}.xml", self.brand)
    }
    /// `netzone-brand-<brand>`: the method's file name.
    pub fn method_file(&self) -> String {
        format!("netzone-brand-{}", self.brand)
    }
    /// The file the method mounts over.
    pub fn target(&self) -> PathBuf {
        self.root
            .join("usr/lib/brand")
            .join(&self.brand)
            .join("config.xml")
    }
    /// The method's path on the host.
    pub fn method_path(&self) -> PathBuf {
        self.method_dir.join(self.method_file())
    }
}

/// The SMF manifest (service_bundle DTD element order: create_default_instance,
/// single_instance, dependency, dependent, exec_method, property_group, stability, template).
pub fn manifest(s: &Spec) -> String {
    let method = s.method_path().display().to_string();
    let man = s
        .bindir
        .parent()
        .map(|p| p.join("share/man"))
        .unwrap_or_else(|| PathBuf::from("/opt/netzone/share/man"));
    format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE service_bundle SYSTEM "/usr/share/lib/xml/dtd/service_bundle.dtd.1">
<!--
  netzone: at every boot, before zones autoboot, lay brand '{b}' with netzone's hooks over
  {target}
  (lofs, read-only); stop removes it. Written by 'netzone brand smf'; write it again rather
  than edit it.
-->
<service_bundle type="manifest" name="netzone-brand-{b}">
  <service name="{svc}" type="service" version="1">
    <create_default_instance enabled="true"/>
    <single_instance/>
    <dependency name="filesystem-local" grouping="require_all" restart_on="none" type="service">
      <service_fmri value="svc:/system/filesystem/local"/>
    </dependency>
    <dependent name="netzone-brand-{b}" grouping="optional_all" restart_on="none">
      <service_fmri value="svc:/system/zones:default"/>
    </dependent>
    <exec_method type="method" name="start" exec="{method} start" timeout_seconds="60"/>
    <exec_method type="method" name="stop" exec="{method} stop" timeout_seconds="60"/>
    <property_group name="startd" type="framework">
      <propval name="duration" type="astring" value="transient"/>
    </property_group>
    <stability value="Unstable"/>
    <template>
      <common_name>
        <loctext xml:lang="C">netzone hooks for brand {b}</loctext>
      </common_name>
      <documentation>
        <manpage title="netzone" section="8" manpath="{man}"/>
      </documentation>
    </template>
  </service>
</service_bundle>
"#,
        b = s.brand,
        svc = s.service(),
        target = s.target().display(),
        man = man.display(),
    )
}

/// The method: POSIX sh, `start` or `stop` (see the module doc).
pub fn method(s: &Spec) -> String {
    format!(
        r#"#!/bin/sh
#
# SMF method of svc:/{svc}:default, written by 'netzone brand smf';
# write it again rather than edit it.
#
# start: unmount what an earlier start laid over TARGET, wrap the platform's current
#        config.xml of brand BRAND with netzone's hooks into KEEP, and lofs-mount that
#        read-only over TARGET. Zones autoboot after this (svc:/system/zones depends on it).
# stop:  unmount it.

PATH=/usr/bin:/usr/sbin:/sbin:/bin
export PATH

BRAND='{brand}'
NETZONE='{bindir}/netzone'
BINDIR='{bindir}'
ROOT='{root}'
TARGET='{target}'
KEEP='{keep}'
MOUNT='{mount}'
UMOUNT='{umount}'
MNTTAB='{mnttab}'

SMF_EXIT_OK=0
SMF_EXIT_ERR_FATAL=95
SMF_EXIT_ERR_CONFIG=96

say() {{
	echo "netzone-brand-$BRAND: $*" >&2
}}

# Whether a file system is mounted on TARGET (mnttab fields are tab-separated: special,
# mount point, type, options, time).
mounted() {{
	while IFS='	' read -r _ mountp _; do
		if [ "$mountp" = "$TARGET" ]; then
			return 0
		fi
	done < "$MNTTAB"
	return 1
}}

# Unmounts every layer on TARGET; fails if one stays.
unmount_all() {{
	n=0
	while mounted; do
		n=$((n + 1))
		if [ "$n" -gt 8 ]; then
			say "$TARGET: still mounted after 8 unmounts"
			return 1
		fi
		if ! "$UMOUNT" "$TARGET"; then
			say "$TARGET: cannot unmount"
			return 1
		fi
	done
	return 0
}}

start() {{
	unmount_all || exit $SMF_EXIT_ERR_FATAL
	if ! mkdir -p "$KEEP"; then
		say "$KEEP: cannot create"
		exit $SMF_EXIT_ERR_FATAL
	fi
	if ! "$NETZONE" -R "$ROOT" brand config --base "$BRAND" --bindir "$BINDIR" \
	    > "$KEEP/config.xml.new"; then
		rm -f "$KEEP/config.xml.new"
		say "cannot wrap $TARGET; zones of brand $BRAND boot with its own hooks only"
		exit $SMF_EXIT_ERR_CONFIG
	fi
	mv -f "$KEEP/config.xml.new" "$KEEP/config.xml" || exit $SMF_EXIT_ERR_FATAL
	if ! "$MOUNT" -F lofs -o ro "$KEEP/config.xml" "$TARGET"; then
		say "$TARGET: cannot mount $KEEP/config.xml over it"
		exit $SMF_EXIT_ERR_FATAL
	fi
	exit $SMF_EXIT_OK
}}

stop() {{
	unmount_all || exit $SMF_EXIT_ERR_FATAL
	exit $SMF_EXIT_OK
}}

case "$1" in
start)
	start
	;;
stop)
	stop
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit $SMF_EXIT_ERR_CONFIG
	;;
esac
"#,
        svc = s.service(),
        brand = s.brand,
        bindir = s.bindir.display(),
        root = s.root.display(),
        target = s.target().display(),
        keep = s.keep_dir.display(),
        mount = s.mount.display(),
        umount = s.umount.display(),
        mnttab = s.mnttab.display(),
    )
}

/// Writes the manifest (mode 0444) and the method (0555) into `dir`; returns their paths.
pub fn write(dir: &Path, s: &Spec) -> Result<Vec<PathBuf>, BrandError> {
    s.check()?;
    fs::create_dir_all(dir).map_err(|e| file_err(&s.brand, dir, e))?;
    let mut out = Vec::new();
    for (file, text, mode) in [
        (s.manifest_file(), manifest(s), 0o444),
        (s.method_file(), method(s), 0o555),
    ] {
        let path = dir.join(&file);
        let tmp = dir.join(format!(".{file}.netzone-tmp"));
        fs::write(&tmp, text).map_err(|e| file_err(&s.brand, &tmp, e))?;
        set_mode(&tmp, mode).map_err(|e| file_err(&s.brand, &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| file_err(&s.brand, &path, e))?;
        out.push(path);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::new(
            "joyent",
            Path::new("/opt/netzone/bin"),
            Path::new("/opt/custom/smf"),
        )
        .unwrap()
    }

    #[test]
    fn manifest_orders_the_service_before_zones() {
        let m = manifest(&spec());
        assert!(m.contains("<service name=\"site/netzone-brand-joyent\""));
        // A dependent of zones (zones waits for it), never a dependency on zones.
        let dep = m.find("<dependent ").unwrap();
        assert!(m[dep..].starts_with(
            "<dependent name=\"netzone-brand-joyent\" grouping=\"optional_all\" restart_on=\"none\">\n      <service_fmri value=\"svc:/system/zones:default\"/>"
        ));
        assert!(!m.contains("<dependency name=\"zones\""));
        assert!(m.contains("exec=\"/opt/custom/smf/netzone-brand-joyent start\""));
        assert!(m.contains("manpath=\"/opt/netzone/share/man\""));
        assert!(m.contains("/usr/lib/brand/joyent/config.xml"));
    }

    #[test]
    fn method_names_the_host_paths() {
        let t = method(&spec());
        for want in [
            "BRAND='joyent'",
            "NETZONE='/opt/netzone/bin/netzone'",
            "TARGET='/usr/lib/brand/joyent/config.xml'",
            "KEEP='/opt/netzone/etc/brand/joyent'",
            "MOUNT='/usr/sbin/mount'",
            "MNTTAB='/etc/mnttab'",
            "\"$MOUNT\" -F lofs -o ro \"$KEEP/config.xml\" \"$TARGET\"",
        ] {
            assert!(t.contains(want), "{want}");
        }
        assert!(t.starts_with("#!/bin/sh\n"));
    }

    #[test]
    fn refuses_paths_the_method_cannot_carry() {
        assert!(Spec::new("joyent", Path::new("opt/bin"), Path::new("/x")).is_err());
        assert!(Spec::new("joyent", Path::new("/opt/b'in"), Path::new("/x")).is_err());
        assert!(Spec::new("joyent", Path::new("/opt/bin"), Path::new("/x y")).is_err());
        assert!(Spec::new("a b", Path::new("/opt/bin"), Path::new("/x")).is_err());
        let mut s = spec();
        s.mnttab = PathBuf::from("/etc/$(reboot)");
        assert!(s.check().is_err());
    }

    #[test]
    fn write_sets_modes_and_replaces() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), &spec()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(fs::read_to_string(&p[0]).unwrap(), manifest(&spec()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&p[0]), 0o444);
            assert_eq!(mode(&p[1]), 0o555);
        }
        // Again over read-only files: replaced, not refused.
        write(d.path(), &spec()).unwrap();
    }
}
