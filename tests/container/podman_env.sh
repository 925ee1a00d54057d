# Sourced by tests/container/run.sh: its step output, and the scratch folder that holds all
# of podman's state for the run, with the configuration that keeps podman in it and the
# clean-up that removes it at exit. Uses run.sh's variables (results, step_number, ...).

# ---- Output ----

step() {
    step_number=$((step_number + 1))
    step_started=$SECONDS
    printf '\n==> [%d] %s\n' "$step_number" "$*"
}
info() { printf '    %s\n' "$*"; }
passed() {
    results+=("PASSED   [$step_number] $1 ($((SECONDS - step_started)) s)")
    printf '    ok: %s (%d s)\n' "$1" $((SECONDS - step_started))
}
fail() {
    printf '    FAILED: %s\n' "$*" >&2
    results+=("FAILED   [$step_number] $*")
    exit 1
}

# ---- Scratch space and podman configuration ----

scratch=$(mktemp -d /var/tmp/plugin-host-container.XXXXXX)
mkdir -p "$scratch"/{storage,run,tmp,libpod,volumes,networks,work}

# Containers get this machine's hard open-file limit. The process limit is capped at 32768:
# podman lowers its own hard limit to that, and a container cannot get more than podman has
# (runc then fails with "error setting rlimit type 6").
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi

cat >"$scratch/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$scratch/storage"
runroot = "$scratch/run"
EOF
# runc: crun fails on this kind of machine (hybrid cgroups). The ulimits: podman's
# defaults are above the machine's hard limits, which even root cannot raise. File locks
# and a file event log keep podman out of /dev/shm and the journal.
cat >"$scratch/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$scratch/tmp/events.log"
lock_type = "file"
tmp_dir = "$scratch/tmp"
static_dir = "$scratch/libpod"
volume_path = "$scratch/volumes"

[network]
network_config_dir = "$scratch/networks"
EOF
export CONTAINERS_STORAGE_CONF=$scratch/storage.conf
export CONTAINERS_CONF=$scratch/containers.conf
export TMPDIR=$scratch/tmp

# Without systemd, podman cannot schedule a HEALTHCHECK and logs an error about it on
# every start and removal of such a container; the test runs the check itself
# (podman healthcheck run), so those lines are dropped. Everything else passes through.
podman() {
    local status=0
    command podman "$@" 2>"$scratch/podman.stderr" || status=$?
    grep -v 'systemd connection' "$scratch/podman.stderr" >&2 || true
    return "$status"
}

# Mount points under the scratch folder, deepest first.
scratch_mounts() {
    awk -v prefix="$scratch/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r
}

# Network state that a container network (rather than --network=host) would leave: the
# forwarding switch, the interfaces, and the number of container-network iptables rules
# (0 also while iptables is not installed yet: podman's packages bring it).
network_state() {
    cat /proc/sys/net/ipv4/ip_forward
    ls /sys/class/net
    { iptables-save 2>/dev/null || true; } | grep -ciE 'cni|netavark|podman' || true
}
network_before=$(network_state)

# Even with its storage elsewhere, podman (as root) creates a blob-info cache and a
# short-name alias lock in these system folders; the ones this run creates, it removes.
system_folders=(/var/lib/containers /var/cache/containers)
created_folders=()
for folder in "${system_folders[@]}"; do
    [ -e "$folder" ] || created_folders+=("$folder")
done

cleaned_up=0
cleanup() {
    [ "$cleaned_up" = 1 ] && return 0
    cleaned_up=1
    set +e
    printf '\n==> Cleaning up\n'
    [ -n "${curl_pid:-}" ] && kill "$curl_pid" 2>/dev/null
    if command -v podman >/dev/null; then
        podman rm --all --force --volumes --time 0 >/dev/null 2>&1
        podman volume prune --force >/dev/null 2>&1
        podman rmi --all --force >/dev/null 2>&1
    fi
    local mount
    for mount in $(scratch_mounts); do
        umount "$mount" 2>/dev/null || umount -l "$mount"
    done
    rm -rf "$scratch"
    local folder
    for folder in "${created_folders[@]}"; do rm -rf "$folder"; done
    local left
    left=$(awk -v prefix="$scratch" 'index($2, prefix) == 1' /proc/mounts)
    if [ -n "$left" ] || [ -e "$scratch" ]; then
        echo "    cleanup left mounts or files behind:" >&2
        echo "$left" >&2
        return 1
    fi
    echo "    removed containers, images, volumes and $scratch; no mounts left"
    [ ${#created_folders[@]} -gt 0 ] && echo "    removed podman's caches ${created_folders[*]}"
    if [ "$(network_state)" != "$network_before" ]; then
        echo "    network state changed (ip_forward, interfaces or iptables rules)" >&2
        return 1
    fi
    echo "    network state unchanged (ip_forward, interfaces, iptables)"
}

summary() {
    local status=$?
    cleanup || status=1
    printf '\n==== Summary (%d s) ====\n' $((SECONDS - started))
    local line
    for line in "${results[@]}"; do echo "$line"; done
    if [ "$status" = 0 ] && [ "$skip_swap" = 1 ]; then
        echo "container test: the other steps passed; the hot-swap step was SKIPPED"
    elif [ "$status" = 0 ]; then
        echo "container test: all steps passed"
    else
        echo "container test: FAILED" >&2
    fi
    exit "$status"
}
trap summary EXIT
trap 'exit 130' INT TERM
