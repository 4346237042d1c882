using BenchmarkDotNet.Running;

// In-process micro-benchmarks (BenchmarkDotNet) and the two-process channel benchmark.
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- --filter '*'
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- --smoke   (CI: one quick pass)
if (args.Contains("--smoke"))
{
    return UnixIpc.Benchmarks.Smoke.Run();
}

// In-process hot paths of every mechanism against bare libc, with the memory diagnoser (Micro/):
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- micro [pattern] [BenchmarkDotNet options]
if (args.Length > 0 && args[0] == "micro")
{
    return UnixIpc.Benchmarks.Micro.MicroBenchmarks.Run(args[1..]);
}

// Two-process latency/throughput of the channel against C rings, .NET named pipes and Unix sockets:
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- ipc [--rounds 10] [--spin-only] [--only ROWS] [--large N] [--warmup-ms MS] [--baseline NAME=PROGRAM] [--out file.json]
if (args.Length > 0 && args[0] == "ipc")
{
    return await UnixIpc.Benchmarks.IpcBenchmark.RunAsync(args[1..]);
}

// Pipes and FIFOs through the library against the same mechanism from C:
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- pipes [--rounds 5] [--out file.json]
if (args.Length > 0 && args[0] == "pipes")
{
    return await UnixIpc.Benchmarks.KernelPipeBenchmark.RunAsync(args[1..]);
}

// Signals: sigqueue ping-pong through SignalListener (signalfd and handler paths) against C:
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- signals [--rounds 5] [--out file.json]
if (args.Length > 0 && args[0] == "signals")
{
    return await UnixIpc.Benchmarks.SignalBenchmark.RunAsync(args[1..]);
}

// Unix domain sockets (stream, seqpacket) through UnixIpc and through .NET's own Socket against C:
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- sockets [--rounds 5] [--out file.json]
if (args.Length > 0 && args[0] == "sockets")
{
    return await UnixIpc.Benchmarks.UnixSocketBenchmark.RunAsync(args[1..]);
}

// gRPC unary over TCP, a Unix socket and shared memory; the raw shared-memory stream against the channel and a socket (#15):
//   dotnet run -c Release --project benchmarks/UnixIpc.Benchmarks -- rpc [--rounds 5] [--calls 5000] [--grpc-only] [--transports tcp,unix,shm] [--out file.json]
if (args.Length > 0 && args[0] == "rpc")
{
    return await UnixIpc.Benchmarks.RpcBenchmark.RunAsync(args[1..]);
}

if (args.Length > 1 && args[0] == "peer" && args[1] == "rpc-server")
{
    return await UnixIpc.Benchmarks.RpcBenchmark.ServerPeerAsync(args[1..]);
}

if (args.Length > 1 && args[0] == "peer" && args[1] == "rpc-stream")
{
    return UnixIpc.Benchmarks.RpcBenchmark.StreamPeer(args[1..]);
}

if (args.Length > 1 && args[0] == "peer" && args[1] == "uds")
{
    return UnixIpc.Benchmarks.UnixSocketBenchmark.Peer(args[1..]);
}

if (args.Length > 1 && args[0] == "peer" && args[1] is "sig-ping" or "sig-pong")
{
    return UnixIpc.Benchmarks.SignalBenchmark.Peer(args[1..]);
}

if (args.Length > 1 && args[0] == "peer" && args[1] is "kpipe-latency" or "kpipe-throughput" or "kfifo-latency" or "kfifo-throughput")
{
    return UnixIpc.Benchmarks.KernelPipeBenchmark.Peer(args[1..]);
}

if (args.Length > 0 && args[0] == "peer")
{
    return UnixIpc.Benchmarks.IpcPeer.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(UnixIpc.Benchmarks.Micro.MicroBenchmarks).Assembly).Run(args);
return 0;
