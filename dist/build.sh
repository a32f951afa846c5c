#!/bin/sh
#
# Builds netzone's packages from one proto area:
#   OUT/proto/opt/netzone/...         the installed tree (bin, share/man, share/brand, share/xml)
#   OUT/netzone.p5m                   IPS manifest for OmniOS (pkgsend publish -d OUT/proto)
#   OUT/netzone-VERSION-ARCH.tar.gz   tarball for SmartOS: tar -xzf FILE -C /opt (holds netzone/)
#
# usage: dist/build.sh [--bin-dir DIR] [--out DIR] [--version V] [--arch ARCH]
#                      [--publisher NAME]
#   --bin-dir DIR   take netzone, netzone-statechange, netzone-verify from DIR instead of
#                   running `cargo build --release` (on the illumos host the packages are for)
#   --out DIR       output directory (default: target/dist); its proto/ is rebuilt
#   --version V     package version (default: Cargo.toml's)
#   --arch ARCH     variant.arch (default: `uname -p` on illumos, else i386)
#   --publisher P   IPS publisher in pkg.fmri (default: netzone)
#
# The manifest is complete as written: `pkgsend publish -s REPO -d OUT/proto OUT/netzone.p5m`.
# `pkglint` and `pkgdepend` (illumos only) can check and refine it.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=
out="$here/target/dist"
version=
arch=
publisher=netzone

die() {
	echo "dist/build.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--arch) arch=${2:?--arch needs a value}; shift 2 ;;
	--publisher) publisher=${2:?--publisher needs a value}; shift 2 ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

if [ -z "$version" ]; then
	version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)
fi
case "$version" in
''|*[!0-9.]*|.*|*.|*..*) die "version '$version' is not dot-separated numbers (IPS needs that)" ;;
esac
if [ -z "$arch" ]; then
	if [ "$(uname -s)" = SunOS ]; then arch=$(uname -p); else arch=i386; fi
fi
case "$publisher" in
''|*[!A-Za-z0-9._-]*) die "publisher '$publisher' must be letters, digits, '.', '_' or '-'" ;;
esac

if [ -z "$bin_dir" ]; then
	(cd "$here" && cargo build --release --bins -p netzone) || die "cargo build failed"
	bin_dir="$here/target/release"
fi
for b in netzone netzone-statechange netzone-verify; do
	if [ ! -f "$bin_dir/$b" ] || [ ! -x "$bin_dir/$b" ]; then
		die "$bin_dir/$b: not an executable file"
	fi
done

proto="$out/proto"
top="$proto/opt/netzone"
rm -rf "$proto"
mkdir -p "$top/bin" "$top/share/man/man7" "$top/share/man/man8" "$top/share/brand" \
	"$top/share/xml"

for b in netzone netzone-statechange netzone-verify; do
	cp "$bin_dir/$b" "$top/bin/$b"
	chmod 0555 "$top/bin/$b"
done
for m in "$here"/man/*.7; do cp "$m" "$top/share/man/man7/"; done
for m in "$here"/man/*.8; do cp "$m" "$top/share/man/man8/"; done
cp "$here"/brand/*.xml "$here/brand/README.md" "$top/share/brand/"
cp "$here"/xml/* "$top/share/xml/"
find "$top/share" -type f -exec chmod 0444 {} +
find "$proto" -type d -exec chmod 0755 {} +

# The IPS manifest: one dir action per directory under opt/netzone (opt itself belongs to the
# system), one file action per file, in path order.
p5m="$out/netzone.p5m"
{
	echo "#"
	echo "# netzone $version: IPS manifest written by dist/build.sh."
	echo "# Publish, from the output directory: pkgsend publish -s REPO -d proto netzone.p5m"
	echo "#"
	echo "set name=pkg.fmri value=pkg://$publisher/system/zones/netzone@$version,5.11-0"
	echo "set name=pkg.summary value=\"netzone: transient datalinks for illumos zones\""
	echo "set name=pkg.description value=\"Brand state-change hooks and an operator command" \
		"that give exclusive-IP zones their VNICs at ready, remove them at halt and" \
		"recover zones stuck down\""
	echo "set name=info.classification value=org.opensolaris.category.2008:System/Virtualization"
	echo "set name=variant.arch value=$arch"
	echo "set name=variant.opensolaris.zone value=global"
	(cd "$proto" && find opt/netzone -type d | LC_ALL=C sort) | while read -r d; do
		echo "dir  path=$d owner=root group=bin mode=0755"
	done
	(cd "$proto" && find opt/netzone -type f | LC_ALL=C sort) | while read -r f; do
		case "$f" in
		opt/netzone/bin/*) mode=0555 ;;
		*) mode=0444 ;;
		esac
		echo "file path=$f owner=root group=bin mode=$mode"
	done
	# libc, libgcc_s (Rust's unwinder on illumos), zoneadm/zonecfg/libbrand.
	echo "depend type=require fmri=pkg:/system/library"
	echo "depend type=require fmri=pkg:/system/library/gcc-runtime"
	echo "depend type=require fmri=pkg:/system/zones"
} > "$p5m"

# The SmartOS tarball: netzone/... owned by root, extracted with -C /opt (so /opt itself, the
# system's, is left as it is).
tarball="$out/netzone-$version-$arch.tar.gz"
rm -f "$tarball"
if tar --version 2>/dev/null | grep -q GNU; then
	tar -C "$proto/opt" --owner=0 --group=0 --numeric-owner -czf "$tarball" netzone
else
	(cd "$proto/opt" && tar -cf - netzone) | gzip -9 > "$tarball"
fi

echo "proto:    $proto"
echo "manifest: $p5m"
echo "tarball:  $tarball"
