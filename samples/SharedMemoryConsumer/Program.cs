// The classic POSIX shared memory consumer: open /NAME read-only, print the message, unlink the name.
// Run: dotnet run --project samples/SharedMemoryConsumer -- /hello
using UnixIpc;

string name = args.Length > 0 ? args[0] : "/unixipc_sample";

if (!PosixSharedMemory.TryOpenExisting(name, out PosixSharedMemory? shm, readOnly: true))
{
    Console.Error.WriteLine($"consumer: no shared memory object {name}: run the producer first");
    return 1;
}

using (shm)
using (MappedRegion region = shm.Map())
using (MappedRegionAccess view = region.Acquire())
{
    ReadOnlySpan<byte> bytes = view.ReadOnlySpan;
    int end = bytes.IndexOf((byte)0);
    Console.WriteLine($"consumer {Environment.ProcessId}: read \"{System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end])}\"");
}

PosixSharedMemory.Unlink(name);
Console.WriteLine($"consumer {Environment.ProcessId}: unlinked {name}");
return 0;
