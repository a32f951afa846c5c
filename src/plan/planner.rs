//! The planning decisions that differ between the two dladm dialects, behind one trait
//! ([`Planner`]), which every [`crate::flavour::Dialect`] is: the planner asks the flavour's
//! dialect instead of matching on [`crate::flavour::Flavour`]. joyent's answers are in
//! `joyent.rs`, gate's in `gate.rs`.

use super::{Desired, NetOutcome, PlanError, UpContext};

#[cfg(doc)]
use super::{plan_shield, plan_up};

/// How a flavour plans: one net's link on `up` ([`plan_up`]), and whether a pre-halt shields
/// the links a zone holds that netzone did not make ([`plan_shield`]).
pub trait Planner {
    /// Plans net `d`'s link on `up`: checks that the names it needs are free of links netzone
    /// did not make, then keeps, finishes or replaces the links the net's record identifies,
    /// adding the steps to `ctx`. A link in the way that is not netzone's fails the plan
    /// ([`PlanError`]) and is left as it is.
    fn plan_net(&self, ctx: &mut UpContext<'_>, d: &Desired<'_>) -> Result<NetOutcome, PlanError>;

    /// Whether a pre-halt of a ready or running zone renames, inside the zone, each link the
    /// zone holds that netzone did not make and whose name the global zone already has
    /// (illumos bug 10001; [`plan_shield`]). Such a link cannot be handed back at halt; what
    /// happens to it then differs: joyent's kernel hands lent links back once, at shutdown,
    /// and dlmgmtd deletes a VNIC still on loan when the zone is destroyed (`dlmgmt_db_fini`),
    /// so the operator would lose it unless it is renamed first; gate's zoneadmd retries the
    /// hand-back and reports, and a link on loan cannot be renamed there
    /// (`dls_devnet_rename`: EBUSY).
    fn shields_lent_links(&self) -> bool;
}
