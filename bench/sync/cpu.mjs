// CPU seconds of this worktree's PostgreSQL cluster and gateway (shared by
// the sync benchmarks; WIG_PG_DIR names the cluster).
import { readFileSync, readdirSync } from 'node:fs';

// CPU time of the gateway and of the PostgreSQL server processes, so the
// figures can be read apart from the load of a shared machine (wall time
// stretches when other jobs compete for the 2 vCPUs; CPU time does not).
// `exited`: add the CPU of children that have exited (cutime + cstime): a
// backend that ends mid-run (the gateway's pool recycles connections) would
// otherwise take its CPU seconds with it and the difference could go negative.
function processCpuSeconds(pid, exited = false) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12]) + (exited ? Number(fields[13]) + Number(fields[14]) : 0)) / 100;
  } catch { return 0; }
}
export function serverCpu() {
  // This cluster only: its postmaster and the postmaster's children (other
  // worktrees may run clusters of their own on the same machine).
  const postmaster = readFileSync(`${process.env.WIG_PG_DIR}/data/postmaster.pid`, 'utf8').split('\n')[0].trim();
  let postgres = processCpuSeconds(postmaster, true);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let parent = '';
    try { parent = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]; } catch { continue; }
    if (parent === postmaster) postgres += processCpuSeconds(pid);
  }
  let gateway = 0;
  try { gateway = processCpuSeconds(readFileSync(`${process.env.WIG_PG_DIR}/postrust.pid`, 'utf8').trim()); } catch { /* not running */ }
  return { postgres, gateway };
}

// CPU seconds of every process below `root` (the benchmark's Chromium:
// renderer, IndexedDB's storage service, network service), for telling the
// client's own work from the server's on a shared 2-vCPU machine.
export function descendantsCpu(root = process.pid) {
  const parent = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try { parent.set(pid, readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]); } catch { /* gone */ }
  }
  const below = (pid) => {
    for (let p = parent.get(pid), hops = 0; p && hops < 64; p = parent.get(p), hops++) if (p === String(root)) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) if (below(pid)) total += processCpuSeconds(pid, true);
  return total;
}
