using System.Globalization;

namespace UnixIpc;

// The setup protocol of shared-memory streams. The listener is an abstract seqpacket Unix socket (no file; gone with
// the process), named after the listener: it gives each side the other's pid, uid and gid from the kernel
// (SO_PEERCRED), carries the two rings' descriptors, and stays open: its hang-up tells a side the other died, a "bye"
// byte on it that the other closed.
//   client → "hello CAPACITY"              (the ring size it would like)
//   server → "ok CAPACITY" + 2 descriptors (client-to-server ring, server-to-client ring: sealed memfds)
//          | "no: REASON"
internal static class SharedMemoryStreamProtocol
{
    internal const byte Bye = (byte)'b';

    internal static string ControlAddress(string name) => "@unixipc.stream" + name;

    internal static string Hello(long capacity) => string.Create(CultureInfo.InvariantCulture, $"hello {capacity}");

    internal static long? ParseHello(string text) =>
        text.StartsWith("hello ", StringComparison.Ordinal) && long.TryParse(text.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out long capacity) ? capacity : null;

    internal static string Ok(long capacity) => string.Create(CultureInfo.InvariantCulture, $"ok {capacity}");

    internal static bool IsRingCapacity(long value) => value is >= 4096 and <= 1L << 30 && (value & (value - 1)) == 0;

    internal static long CheckRingCapacity(long value, string name) => IsRingCapacity(value)
        ? value
        : throw new ArgumentOutOfRangeException(name, value, "A ring's capacity is a power of two from 4096 bytes to 1 GiB.");

    internal static string RingLabel(string name, string direction) => $"unixipc.stream{name} {direction}";
}
