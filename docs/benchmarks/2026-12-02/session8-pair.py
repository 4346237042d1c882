#!/usr/bin/env python3
"""session8-pair.py MECH IMPL [--wrap-measure CMD] [--wrap-peer CMD] [--count N] [--size S]: one throughput pair of
`unixipc bench`'s sides outside the harness (MECH pipe, fifo, seqpacket or stream; IMPL c or unixipc), so that perf or
strace can wrap each side; prints msgs/s. BENCH_SIDE: bench_side built from src/UnixIpc.Bench/native (gcc -O2 -o
bench_side bench_side.c -lrt -pthread); UNIXIPC_DLL: the CLI's unixipc.dll. Run it under the CPU lock."""
import os, socket, subprocess, sys, argparse, tempfile, shlex
p = argparse.ArgumentParser()
p.add_argument('mech'); p.add_argument('impl')
p.add_argument('--wrap-measure', default=''); p.add_argument('--wrap-peer', default='')
p.add_argument('--count', type=int, default=100000); p.add_argument('--size', type=int, default=64)
p.add_argument('--mode', default='throughput')
a = p.parse_args()
DLL = os.environ.get('UNIXIPC_DLL', 'src/UnixIpc.Cli/bin/Release/net10.0/unixipc.dll')
env = dict(os.environ, DOTNET_TieredCompilation='0', DOTNET_EnableDiagnostics='0', DOTNET_PerfMapEnabled=os.environ.get('PERFMAP','0'))
def cmd(role, extra):
    if a.impl == 'c':
        base = [os.environ.get('BENCH_SIDE', './bench_side'), a.mech, role, a.mode, str(a.size), str(a.count)]
    else:
        base = ['dotnet', DLL, 'bench-side', a.impl, a.mech, role, a.mode, str(a.size), str(a.count)]
    return base + extra
fds = {}
extra = []
tmp = tempfile.mkdtemp(prefix='unixipc-pair-')
if a.mech == 'pipe':
    there_r, there_w = os.pipe(); back_r, back_w = os.pipe()
    fds = {'measure': {3: back_r, 4: there_w}, 'peer': {3: there_r, 4: back_w}}
elif a.mech == 'seqpacket' or a.mech == 'stream':
    s1, s2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET if a.mech == 'seqpacket' else socket.SOCK_STREAM)
    fds = {'measure': {3: s1.fileno()}, 'peer': {3: s2.fileno()}}
elif a.mech == 'fifo':
    os.mkfifo(tmp + '/there'); os.mkfifo(tmp + '/back'); extra = [tmp + '/there', tmp + '/back']
def start(role, wrap):
    mine = fds.get(role, {})
    def pre():
        # duplicate first (a source may already be 3 or 4), then onto 3 and 4
        tmpd = {k: os.dup(v) for k, v in mine.items()}
        for k, v in tmpd.items():
            os.dup2(v, k); os.set_inheritable(k, True)
    c = shlex.split(wrap) + cmd(role, extra)
    return subprocess.Popen(c, env=env, preexec_fn=pre, close_fds=False, stdout=subprocess.PIPE if role == 'measure' else subprocess.DEVNULL)
peer = start('peer', a.wrap_peer)
meas = start('measure', a.wrap_measure)
out, _ = meas.communicate(timeout=300)
peer.wait(timeout=60)
for f in ('there', 'back'):
    try: os.unlink(tmp + '/' + f)
    except FileNotFoundError: pass
os.rmdir(tmp)
print(a.mech, a.impl, out.decode().strip() if a.mode == 'throughput' else len(out))
