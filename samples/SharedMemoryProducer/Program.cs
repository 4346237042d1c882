// The classic POSIX shared memory producer: create /NAME, write a message, leave it for the consumer.
// Run: dotnet run --project samples/SharedMemoryProducer -- /hello "Hello, World!"
// A C program can read it too: shm_open("/hello", O_RDONLY, 0) + mmap.
using UnixIpc;

string name = args.Length > 0 ? args[0] : "/unixipc_sample";
string message = args.Length > 1 ? args[1] : "Hello, World!";

using PosixSharedMemory shm = PosixSharedMemory.CreateOrOpen(name, 4096);
using MappedRegion region = shm.Map();
region.Write(0, System.Text.Encoding.UTF8.GetBytes(message + "\0"));
Console.WriteLine($"producer {Environment.ProcessId}: wrote \"{message}\" to {shm.Name}; run the consumer next");
