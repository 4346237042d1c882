using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A 64-byte message and its receipt on one socket pair of each type, in one thread (no wake-ups): through
/// <see cref="Socket"/> (what UnixIpc's sockets and .NET's own use) and through UnixIpc's sendmsg/recvmsg path without
/// control data, with one descriptor (SCM_RIGHTS) and with credentials (SCM_CREDENTIALS), each against the same
/// calls from bare libc.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class SocketCallBenchmarks
{
    private readonly byte[] _buffer = new byte[64];
    private UnixSocketPair _pair = null!;
    private UnixSocketPair _credentialPair = null!;
    private FileStream _file = null!;
    private int _first;
    private int _second;
    private int _credentialFirst;
    private int _credentialSecond;
    private int _fileFd;
    private PeerCredentials _self;

    [Params(SocketType.Stream, SocketType.Seqpacket, SocketType.Dgram)]
    public SocketType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pair = UnixSocketPair.Create(Type);
        _first = (int)_pair.First.SafeHandle.DangerousGetHandle();
        _second = (int)_pair.Second.SafeHandle.DangerousGetHandle();
        // SO_PASSCRED on a pair of its own: the kernel would add credentials to every message of the other pair.
        _credentialPair = UnixSocketPair.Create(Type);
        _credentialPair.Second.SetPassCredentials(true);
        _credentialFirst = (int)_credentialPair.First.SafeHandle.DangerousGetHandle();
        _credentialSecond = (int)_credentialPair.Second.SafeHandle.DangerousGetHandle();
        _self = _credentialPair.First.GetPeerCredentials() with { ProcessId = Environment.ProcessId };
        _file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        _fileFd = (int)_file.SafeFileHandle.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pair.Dispose();
        _credentialPair.Dispose();
        _file.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("data")]
    public void LibcSendThenReceive()
    {
        fixed (byte* bytes = _buffer)
        {
            _ = Libc.Send(_first, bytes, 64, 0);
            _ = Libc.Receive(_second, bytes, 64, 0);
        }
    }

    [Benchmark, BenchmarkCategory("data")]
    public void SocketSendThenReceive()
    {
        _pair.First.Send(_buffer);
        _ = _pair.Second.Receive(_buffer);
    }

    [Benchmark, BenchmarkCategory("data")]
    public void SendWithDescriptorsNoneThenReceive()
    {
        _pair.First.SendWithDescriptors(_buffer);
        _ = _pair.Second.ReceiveWithDescriptors(_buffer, 0, out _);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("one descriptor")]
    public void LibcSendDescriptorThenReceive()
    {
        byte* control = stackalloc byte[Libc.CmsgSpace(sizeof(int))];
        fixed (byte* bytes = _buffer)
        {
            var iov = new Libc.iovec { iov_base = bytes, iov_len = 64 };
            var header = (Libc.cmsghdr*)control;
            *header = new Libc.cmsghdr { cmsg_len = (nuint)Libc.CmsgLen(sizeof(int)), cmsg_level = Libc.SOL_SOCKET, cmsg_type = Libc.SCM_RIGHTS };
            *(int*)(header + 1) = _fileFd;
            var message = new Libc.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)Libc.CmsgSpace(sizeof(int)) };
            _ = Libc.SendMessage(_first, &message, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            message.msg_controllen = (nuint)Libc.CmsgSpace(sizeof(int));
            _ = Libc.ReceiveMessage(_second, &message, Libc.MSG_CMSG_CLOEXEC | Libc.MSG_DONTWAIT);
            _ = Libc.Close(*(int*)(header + 1));
        }
    }

    [Benchmark, BenchmarkCategory("one descriptor")]
    public void SendDescriptorThenReceive()
    {
        _pair.First.SendWithDescriptors(_buffer, _file.SafeFileHandle);
        _ = _pair.Second.ReceiveWithDescriptors(_buffer, 1, out SafeFileHandle[] descriptors);
        descriptors[0].Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("credentials")]
    public void LibcSendCredentialsThenReceive()
    {
        int space = Libc.CmsgSpace(sizeof(Libc.ucred));
        byte* control = stackalloc byte[space];
        fixed (byte* bytes = _buffer)
        {
            var iov = new Libc.iovec { iov_base = bytes, iov_len = 64 };
            var header = (Libc.cmsghdr*)control;
            *header = new Libc.cmsghdr { cmsg_len = (nuint)Libc.CmsgLen(sizeof(Libc.ucred)), cmsg_level = Libc.SOL_SOCKET, cmsg_type = Libc.SCM_CREDENTIALS };
            *(Libc.ucred*)(header + 1) = new Libc.ucred { pid = _self.ProcessId, uid = (uint)_self.UserId, gid = (uint)_self.GroupId };
            var message = new Libc.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)space };
            _ = Libc.SendMessage(_credentialFirst, &message, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            message.msg_controllen = (nuint)space;
            _ = Libc.ReceiveMessage(_credentialSecond, &message, Libc.MSG_CMSG_CLOEXEC | Libc.MSG_DONTWAIT);
        }
    }

    [Benchmark, BenchmarkCategory("credentials")]
    public void SendCredentialsThenReceive()
    {
        _credentialPair.First.SendWithCredentials(_buffer, _self);
        _ = _credentialPair.Second.ReceiveWithCredentials(_buffer, out _);
    }
}
