//! Why no plan can be made ([`PlanError`]): each error names the zone and the net, as illumos
//! tools do, and says where the link in the way is.

use crate::linkname::LinkName;
use crate::zonename::ZoneName;

/// Why no plan can be made. Each names the zone and the net, as illumos tools do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A `global-nic="auto"` reached the planner unresolved.
    #[error("zone '{zone}': net '{net}': global-nic 'auto' was not resolved to a link before planning (netzone::globalnic::resolve)")]
    AutoGlobalNic {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// A nic tag or overlay rule reached the planner unresolved.
    #[error("zone '{zone}': net '{net}': global-nic '{global_nic}' must be resolved to a link first (globalnic::resolve)")]
    Unresolved {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The `global-nic` as configured.
        global_nic: String,
    },
    /// gate: the net's name is taken by a link of another zone (names are host-wide).
    #[error("zone '{zone}': net '{net}': link name '{net}' is in use by zone '{holder}'")]
    NameInUseByZone {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The zone that holds the name.
        holder: ZoneName,
    },
    /// A link with the net's name exists and is not netzone's.
    #[error("zone '{zone}': net '{net}': link '{net}' already exists in {place} and was not created by netzone{}; rename or remove that link, or give the net another physical name", over_note(over.as_ref()))]
    Conflict {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// Where the existing link is, in words.
        place: String,
        /// The existing link's lower link, if it is a VNIC.
        over: Option<LinkName>,
    },
    /// joyent: the net's temporary name is taken by a link netzone did not create.
    #[error("zone '{zone}': net '{net}': netzone's temporary name '{temp}' is taken in {place} by a link netzone did not create")]
    TempNameTaken {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The temporary name.
        temp: LinkName,
        /// Where the link that holds it is, in words.
        place: String,
    },
    /// A link on loan to the zone has the net's name but not its configuration.
    #[error("zone '{zone}': net '{net}': link '{net}' is on loan to the zone but differs from its configuration; halt the zone first")]
    WrongLinkOnLoan {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
    /// A flow of a name netzone wants for `blocked_outgoing_ports` is on the net's link and no
    /// record identifies it: somebody else's, left alone.
    #[error("zone '{zone}': net '{net}': flow '{}' on link '{}' was not created by netzone ({}); left alone: remove it, or drop its port from blocked_outgoing_ports", taken.flow, taken.link, taken.why)]
    FlowTaken {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
        /// The flow, where it is, and why it is not netzone's.
        taken: Box<TakenFlow>,
    },
    /// A persistent net asked of the joyent flavour.
    #[error("zone '{zone}': net '{net}': persistent links need the gate flavour (illumos-gate, OmniOS, Helios): on this dladm a zone's link is lent at creation by the temporary-only zone property and named in the zone's name space")]
    PersistentOnJoyent {
        /// The zone.
        zone: ZoneName,
        /// The net (its `physical` name in the configuration).
        net: LinkName,
    },
}

/// A flow under a name netzone wants that is not netzone's ([`PlanError::FlowTaken`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenFlow {
    /// The flow's name.
    pub flow: String,
    /// The link carrying it.
    pub link: LinkName,
    /// Why it is not netzone's.
    pub why: String,
}

/// ` (a VNIC over X)`, or nothing when the link is not a VNIC (its lower link is unknown).
fn over_note(over: Option<&LinkName>) -> String {
    match over {
        Some(o) => format!(" (a VNIC over {o})"),
        None => String::new(),
    }
}

pub(super) fn place(zone: Option<&ZoneName>) -> String {
    match zone {
        Some(z) => format!("zone '{z}'"),
        None => "the global zone".into(),
    }
}
