//! `netzone brand install|config|smf`: brands that run netzone's hooks (see `netzone::brand`).
//! Only this module writes to the terminal; the library does the reading, wrapping and writing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use netzone::brand::{self, smf, Programs};

use crate::GlobalOpts;

#[derive(Subcommand, Debug)]
pub enum BrandCmd {
    /// Write ROOT/usr/lib/brand/NEW: brand BASE with netzone's hooks chaining BASE's own.
    Install(InstallArgs),
    /// Print BASE's config.xml with netzone's hooks; writes nothing.
    Config(ConfigArgs),
    /// Write an SMF manifest and method (SmartOS /opt/custom/smf) that lay the wrapped
    /// config.xml over BASE's at every boot, before zones autoboot.
    Smf(SmfArgs),
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// The brand to derive from (ROOT/usr/lib/brand/BASE).
    #[arg(long, value_name = "BRAND")]
    pub base: String,
    /// The new brand's name; zones use brand=NEW.
    #[arg(long, value_name = "NEW")]
    pub name: String,
    /// Where netzone-statechange and netzone-verify are installed.
    #[arg(long, value_name = "DIR", default_value = brand::DEFAULT_BINDIR)]
    pub bindir: PathBuf,
    /// Give the brand's zones persistent links (netzone-statechange --persistent; gate only).
    #[arg(long)]
    pub persistent: bool,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// The brand whose config.xml is wrapped.
    #[arg(long, value_name = "BRAND")]
    pub base: String,
    /// Name the result NEW instead of BASE.
    #[arg(long, value_name = "NEW")]
    pub name: Option<String>,
    /// Where netzone-statechange and netzone-verify are installed.
    #[arg(long, value_name = "DIR", default_value = brand::DEFAULT_BINDIR)]
    pub bindir: PathBuf,
    /// Give the brand's zones persistent links (netzone-statechange --persistent; gate only).
    #[arg(long)]
    pub persistent: bool,
}

#[derive(Args, Debug)]
pub struct SmfArgs {
    /// The brand whose config.xml is overlaid (joyent, joyent-minimal, lx, bhyve, ...).
    #[arg(long, value_name = "BRAND")]
    pub base: String,
    /// Where to write the manifest and the method (usually /opt/custom/smf).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// The directory the method is installed in on the host (the manifest names it there).
    #[arg(long, value_name = "DIR", default_value = "/opt/custom/smf")]
    pub method_dir: PathBuf,
    /// Where netzone is installed on the host.
    #[arg(long, value_name = "DIR", default_value = brand::DEFAULT_BINDIR)]
    pub bindir: PathBuf,
}

pub fn run(g: &GlobalOpts, cmd: BrandCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        BrandCmd::Install(a) => {
            let progs = Programs::in_dir(&a.bindir)?.with_persistent(a.persistent);
            let r = brand::install(&g.root, &a.base, &a.name, &progs)?;
            let cfg = r.dir.join("config.xml");
            println!(
                "brand '{}': {} {} (brand '{}' with netzone's hooks)",
                a.name,
                if r.config_changed {
                    "wrote"
                } else {
                    "unchanged"
                },
                cfg.display(),
                a.base
            );
            println!(
                "brand '{}': {} {} -> {}",
                a.name,
                if r.platform_changed {
                    "linked"
                } else {
                    "unchanged"
                },
                r.dir.join("platform.xml").display(),
                brand::platform_target(&a.base).display()
            );
        }
        BrandCmd::Config(a) => {
            let progs = Programs::in_dir(&a.bindir)?.with_persistent(a.persistent);
            let name = a.name.as_deref().unwrap_or(&a.base);
            print!("{}", brand::config(&g.root, &a.base, name, &progs)?);
        }
        BrandCmd::Smf(a) => {
            let progs = Programs::in_dir(&a.bindir)?;
            // Fail now, not at the next boot, if the brand cannot be wrapped; a file that is
            // netzone's already is the overlay of an earlier `brand smf`, mounted now.
            match brand::config(&g.root, &a.base, &a.base, &progs) {
                Err(brand::BrandError::Wrap {
                    path,
                    wrap: brand::WrapError::AlreadyWrapped(_),
                    ..
                }) => println!(
                    "brand '{}': {} is netzone's overlay already; not checked again",
                    a.base,
                    path.display()
                ),
                r => {
                    r?;
                }
            }
            let spec = smf::Spec::new(&a.base, &a.bindir, &a.method_dir)?;
            for p in smf::write(&a.dir, &spec)? {
                println!("brand '{}': wrote {}", a.base, p.display());
            }
            println!(
                "brand '{}': import with: svccfg import {}",
                a.base,
                a.dir.join(spec.manifest_file()).display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
