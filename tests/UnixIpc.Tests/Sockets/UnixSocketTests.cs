using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Tests;

public sealed class UnixSocketTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.txt");

    public UnixSocketTests() => File.WriteAllText(_file, "0123456789");

    public void Dispose() => File.Delete(_file);

    [Fact]
    [Trait("conformance", "UDS-01")]
    [Trait("conformance", "UDS-06")]
    public unsafe void A_passed_descriptor_is_the_same_open_file_with_a_shared_offset_and_close_on_exec()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        using SafeFileHandle original = File.OpenHandle(_file);
        Assert.Equal(1, pair.First.SendWithDescriptors("x"u8, original));
        var buffer = new byte[8];
        Assert.Equal(1, pair.Second.ReceiveWithDescriptors(buffer, 4, out SafeFileHandle[] received));
        using SafeFileHandle copy = Assert.Single(received);
        Assert.NotEqual(original.DangerousGetHandle(), copy.DangerousGetHandle()); // a new number…

        byte* three = stackalloc byte[3];
        Assert.Equal(3, TestNative.Read((int)original.DangerousGetHandle(), three, 3));
        Assert.Equal(3, TestNative.Read((int)copy.DangerousGetHandle(), three, 3)); // …for the same description: offset 3
        Assert.Equal("345", Encoding.ASCII.GetString(three, 3));
        Assert.Equal(TestNative.FD_CLOEXEC, TestNative.Fcntl((int)copy.DangerousGetHandle(), TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);
    }

    [SkippableFact]
    [Trait("conformance", "UDS-01")]
    public async Task A_descriptor_from_a_C_process_reads_the_file_and_shares_its_offset()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        var options = new ChildProcessOptions(CPeers.Path("fd_send"), "3", _file) { StandardOutput = ChildDescriptor.Pipe };
        options.Descriptors[3] = ChildDescriptor.From(pair.Second.SafeHandle);
        using ChildProcess peer = ChildProcess.Start(options);
        pair.Second.Dispose();
        (int bytes, SafeFileHandle[] received) = await pair.First.ReceiveWithDescriptorsAsync(new byte[4], 1).AsTask().WaitAsync(Bound);
        Assert.Equal(1, bytes);
        using SafeFileHandle copy = Assert.Single(received);
        Assert.Equal("01234", ReadFromCurrentOffset(copy, 5));
        pair.First.Send("k"u8); // now the C side reads 3 bytes from the same description
        Assert.Equal("567", (await ChildProcessTests.ReadAllAsync(peer.StandardOutput!)).Trim());
        Assert.True((await peer.WaitForExitAsync().WaitAsync(Bound)).Success);
    }

    [SkippableFact]
    public async Task A_pipe_write_end_passed_to_a_C_process_is_usable_there()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        using Pipe pipe = Pipe.Create();
        var options = new ChildProcessOptions(CPeers.Path("fd_recv"), "3", "through a passed pipe") { StandardOutput = ChildDescriptor.Null };
        options.Descriptors[3] = ChildDescriptor.From(pair.Second.SafeHandle);
        using ChildProcess peer = ChildProcess.Start(options);
        pair.Second.Dispose();
        await pair.First.SendWithDescriptorsAsync("p"u8.ToArray(), [pipe.Writer.SafeFileHandle]).AsTask().WaitAsync(Bound);
        pipe.Writer.Dispose(); // the child's copy is the last write end
        Assert.Equal("through a passed pipe", await ChildProcessTests.ReadAllAsync(pipe.Reader));
        Assert.True((await peer.WaitForExitAsync().WaitAsync(Bound)).Success);
    }

    [Fact]
    [Trait("conformance", "UDS-02")]
    public void Four_descriptors_in_one_message_arrive_in_order()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        Pipe[] pipes = [.. Enumerable.Range(0, 4).Select(_ => Pipe.Create())];
        try
        {
            for (int i = 0; i < 4; i++)
            {
                pipes[i].Writer.Write([(byte)('a' + i)]);
            }

            pair.First.SendWithDescriptors("4"u8, [.. pipes.Select(p => (System.Runtime.InteropServices.SafeHandle)p.Reader.SafeFileHandle)]);
            pair.Second.ReceiveWithDescriptors(new byte[4], 4, out SafeFileHandle[] received);
            Assert.Equal(4, received.Length);
            for (int i = 0; i < 4; i++)
            {
                using PipeEndStream reader = PipeEndStream.FromHandle(received[i]);
                var one = new byte[1];
                Assert.Equal(1, reader.Read(one));
                Assert.Equal((byte)('a' + i), one[0]);
            }
        }
        finally
        {
            foreach (Pipe pipe in pipes)
            {
                pipe.Dispose();
            }
        }
    }

    [Fact]
    [Trait("conformance", "UDS-03")]
    public void Too_many_descriptors_for_the_buffer_is_an_error_and_nothing_leaks()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        using SafeFileHandle a = File.OpenHandle(_file), b = File.OpenHandle(_file);
        pair.First.SendWithDescriptors("2"u8, a, b);
        var error = Assert.Throws<InvalidDataException>(() => pair.Second.ReceiveWithDescriptors(new byte[4], 1, out _));
        Assert.Contains("MSG_CTRUNC", error.Message, StringComparison.Ordinal);
        // Only this test's file counts (other tests open descriptors in parallel): just a and b still refer to it.
        Assert.Equal(2, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd => new FileInfo(fd).LinkTarget == _file));
    }

    [Fact]
    [Trait("conformance", "UDS-04")]
    public void A_descriptor_that_is_not_open_is_EBADF_and_more_than_253_is_refused()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        using var notOpen = new SafeFileHandle(999_999, ownsHandle: false);
        Assert.Equal(Errno.EBADF, Assert.Throws<UnixIpcException>(() => pair.First.SendWithDescriptors("x"u8, notOpen)).Error);
        using SafeFileHandle file = File.OpenHandle(_file);
        System.Runtime.InteropServices.SafeHandle[] many = [.. Enumerable.Repeat<System.Runtime.InteropServices.SafeHandle>(file, 254)];
        Assert.Throws<ArgumentException>(() => pair.First.SendWithDescriptors("x"u8, many));
        Assert.Throws<ArgumentException>(() => pair.First.SendWithDescriptors(ReadOnlySpan<byte>.Empty, file)); // UDS-05: data required
    }

    [Fact]
    [Trait("conformance", "UDS-11")]
    public void Seqpacket_and_datagram_pairs_keep_message_boundaries_and_a_stream_pair_does_not()
    {
        foreach (SocketType type in new[] { SocketType.Seqpacket, SocketType.Dgram })
        {
            using UnixSocketPair pair = UnixSocketPair.Create(type);
            pair.First.Send("ab"u8);
            pair.First.Send("cd"u8);
            var buffer = new byte[16];
            Assert.Equal(2, pair.Second.Receive(buffer));
            Assert.Equal(2, pair.Second.Receive(buffer));
        }

        using UnixSocketPair stream = UnixSocketPair.Create();
        stream.First.Send("ab"u8);
        stream.First.Send("cd"u8);
        var all = new byte[16];
        Assert.Equal("abcd", Encoding.ASCII.GetString(all, 0, stream.Second.Receive(all)));
    }

    [Fact]
    [Trait("conformance", "UDS-13")]
    [Trait("conformance", "UDS-14")]
    public void A_pair_reports_this_process_as_the_peer_and_both_ends_are_close_on_exec()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        PeerCredentials peer = pair.First.GetPeerCredentials();
        Assert.Equal(Environment.ProcessId, peer.ProcessId);
        Assert.Equal((int)TestNative.GetEuid(), peer.UserId);
        Assert.Equal((int)TestNative.GetEgid(), peer.GroupId);
        foreach (Socket end in new[] { pair.First, pair.Second })
        {
            Assert.Equal(TestNative.FD_CLOEXEC, TestNative.Fcntl((int)end.SafeHandle.DangerousGetHandle(), TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => UnixSocketPair.Create(SocketType.Raw));
    }

    [SkippableFact]
    [Trait("conformance", "UDS-13")]
    public async Task A_listener_sees_the_connecting_C_process_pid_and_uid()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            using System.Diagnostics.Process peer = UnixSignalTests.StartPeer("uds_connect", path);
            using Socket accepted = await listener.AcceptAsync().WaitAsync(Bound);
            int pid = int.Parse((await peer.StandardOutput.ReadLineAsync().WaitAsync(Bound))!, CultureInfo.InvariantCulture);
            PeerCredentials credentials = accepted.GetPeerCredentials();
            Assert.Equal(pid, credentials.ProcessId);
            Assert.Equal((int)TestNative.GetEuid(), credentials.UserId);
            accepted.Send("."u8);
            await peer.WaitForExitAsync().WaitAsync(Bound);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    [Trait("conformance", "UDS-12")]
    public void A_closed_peer_reads_as_end_of_stream_unread_data_as_a_reset_and_a_write_as_EPIPE()
    {
        using (UnixSocketPair pair = UnixSocketPair.Create(SocketType.Seqpacket))
        {
            pair.Second.Dispose();
            Assert.Equal(0, pair.First.ReceiveWithDescriptors(new byte[8], 1, out SafeFileHandle[] none));
            Assert.Empty(none);
            var error = Assert.Throws<UnixIpcException>(() => pair.First.SendWithDescriptors("x"u8)); // MSG_NOSIGNAL: no SIGPIPE
            Assert.Equal(Errno.EPIPE, error.Error);
        }

        using (UnixSocketPair pair = UnixSocketPair.Create())
        {
            pair.First.Send("unread"u8);
            pair.Second.Send("read first"u8);
            pair.Second.Dispose(); // closed with our "unread" still in its queue
            var buffer = new byte[64];
            Assert.Equal("read first", Encoding.ASCII.GetString(buffer, 0, pair.First.ReceiveWithDescriptors(buffer, 0, out _))); // what it sent comes first
            var reset = Assert.Throws<UnixIpcException>(() => pair.First.ReceiveWithDescriptors(new byte[64], 0, out _));
            Assert.Equal(Errno.ECONNRESET, reset.Error);
        }
    }

    [Fact]
    public void Receiving_a_descriptor_allocates_its_handle_and_the_array_and_nothing_more()
    {
        using UnixSocketPair pair = UnixSocketPair.Create(SocketType.Seqpacket);
        using SafeFileHandle file = File.OpenHandle(_file);
        var buffer = new byte[8];
        void PassOne()
        {
            pair.First.SendWithDescriptors("x"u8, file);
            int bytes = pair.Second.ReceiveWithDescriptors(buffer, 1, out SafeFileHandle[] received);
            received[0].Dispose();
            Assert.True(bytes == 1 && received.Length == 1); // not Assert.Equal: it allocates a comparer per call
        }

        for (int i = 0; i < 100; i++)
        {
            PassOne();
        }

        // What the call cannot avoid, measured the same way: one handle and a one-element array per message.
        const int Messages = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Messages; i++)
        {
            GC.KeepAlive(new SafeFileHandle[] { new(-1, ownsHandle: false) });
        }

        long unavoidable = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Messages; i++)
        {
            PassOne();
        }

        // Within a byte per message of that: a list to collect the handles first would be 80 bytes or more each time.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < unavoidable + Messages, $"{allocated} bytes allocated over {Messages} messages; one handle and its array take {unavoidable}");
    }

    // read(2) at the descriptor's own offset (FileStream and RandomAccess keep offsets of their own).
    private static unsafe string ReadFromCurrentOffset(SafeFileHandle handle, int count)
    {
        byte* bytes = stackalloc byte[count];
        int read = (int)TestNative.Read((int)handle.DangerousGetHandle(), bytes, (nuint)count);
        return Encoding.ASCII.GetString(bytes, read);
    }
}
