using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Tests;

/// <summary>Per-message credentials (SCM_CREDENTIALS with SO_PASSCRED) and the descriptor limits of UDS-07.</summary>
public sealed class UnixSocketCredentialTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("conformance", "UDS-13")]
    public async Task Each_message_carries_its_sending_process_only_while_SO_PASSCRED_is_on()
    {
        using UnixSocketPair pair = UnixSocketPair.Create(SocketType.Dgram);
        var buffer = new byte[64];

        // Off: a message from this process arrives without credentials.
        pair.First.Send("before"u8);
        Assert.Equal(6, pair.Second.ReceiveWithCredentials(buffer, out PeerCredentials? none));
        Assert.Null(none);

        // On: a message written by another process (a shell's printf: plain write(2), no control data) arrives with
        // that process's pid and ids, filled in by the kernel.
        pair.Second.SetPassCredentials(true);
        var options = new ChildProcessOptions("/bin/sh", "-c", "printf from-child >&3");
        options.Descriptors[3] = ChildDescriptor.From(pair.First.SafeHandle);
        using ChildProcess child = ChildProcess.Start(options);
        (int bytes, PeerCredentials? sender) = await pair.Second.ReceiveWithCredentialsAsync(buffer).AsTask().WaitAsync(Bound);
        Assert.Equal("from-child", Encoding.ASCII.GetString(buffer, 0, bytes));
        Assert.Equal(new PeerCredentials(child.ProcessId, (int)TestNative.GetEuid(), (int)TestNative.GetEgid()), sender);
        Assert.True((await child.WaitForExitAsync().WaitAsync(Bound)).Success);
    }

    [SkippableFact]
    [Trait("conformance", "UDS-13")]
    public async Task An_unprivileged_sender_claiming_another_uid_gets_EPERM()
        => Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("uds-send-credentials-of", "0"));

    [SkippableFact]
    [Trait("conformance", "UDS-13")]
    public void A_sender_with_CAP_SETUID_may_claim_another_uid_and_the_receiver_sees_the_claim()
    {
        Skip.IfNot(Unprivileged.CanDropPrivileges, "claiming another uid and gid needs CAP_SETUID and CAP_SETGID");
        using UnixSocketPair pair = UnixSocketPair.Create(SocketType.Dgram);
        pair.Second.SetPassCredentials(true);
        var claimed = new PeerCredentials(Environment.ProcessId, Unprivileged.Nobody, Unprivileged.Nobody);
        Assert.Equal(1, pair.First.SendWithCredentials("c"u8, claimed));
        Assert.Equal(1, pair.Second.ReceiveWithCredentials(new byte[8], out PeerCredentials? sender));
        Assert.Equal(claimed, sender);
    }

    [Fact]
    public void Descriptors_on_a_message_received_for_its_credentials_are_closed_not_leaked()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "x");
        try
        {
            using (SafeFileHandle passed = File.OpenHandle(path))
            {
                pair.First.SendWithDescriptors("d"u8, passed, passed);
            }

            // Only the two copies in flight refer to the file now.
            var error = Assert.Throws<InvalidDataException>(() => pair.Second.ReceiveWithCredentials(new byte[8], out _));
            Assert.Contains("MSG_CTRUNC", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd => new FileInfo(fd).LinkTarget == path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    [Trait("conformance", "UDS-13")]
    public void Descriptors_still_arrive_on_a_socket_with_SO_PASSCRED_on()
    {
        // The kernel puts SCM_CREDENTIALS before SCM_RIGHTS whenever SO_PASSCRED is on: a control buffer sized for the
        // descriptors alone would cut them off (MSG_CTRUNC).
        using UnixSocketPair pair = UnixSocketPair.Create();
        pair.Second.SetPassCredentials(true);
        using var pipe = Pipe.Create();
        pair.First.SendWithDescriptors("p"u8, pipe.Reader.SafeFileHandle);
        Assert.Equal(1, pair.Second.ReceiveWithDescriptors(new byte[4], 1, out Microsoft.Win32.SafeHandles.SafeFileHandle[] received));
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = Assert.Single(received);
        pair.First.Send("q"u8);
        Assert.Equal(1, pair.Second.ReceiveWithDescriptors(new byte[4], 0, out Microsoft.Win32.SafeHandles.SafeFileHandle[] none)); // no descriptors asked for, none came: fine
        Assert.Empty(none);
    }

    [Fact]
    public void Credentials_need_data_and_a_Unix_socket()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        var me = new PeerCredentials(Environment.ProcessId, (int)TestNative.GetEuid(), (int)TestNative.GetEgid());
        Assert.Throws<ArgumentException>(() => pair.First.SendWithCredentials([], me));
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => tcp.SetPassCredentials(true));
    }

    [Fact]
    [Trait("conformance", "UDS-07")]
    public async Task Descriptors_beyond_RLIMIT_NOFILE_are_closed_and_the_receive_fails_with_nothing_kept()
    {
        // RLIMIT_NOFILE is process-wide: lowered in a child. There 3 numbers are free and 5 descriptors arrive.
        await using TestChildProcess child = await TestChildProcess.StartAsync("uds-recv-beyond-nofile");
        Assert.Equal("created", await child.ReadLineAsync()); // the harness's line: the attempt threw no UnixIpcException
        Assert.Equal("EXTRA-CLOSED free=3", await child.ReadLineAsync());
        Assert.Equal(0, await child.WaitForExitAsync());
    }

    [SkippableFact]
    [Trait("conformance", "UDS-07")]
    public async Task A_sender_with_more_descriptors_in_flight_than_its_RLIMIT_NOFILE_gets_ETOOMANYREFS()
        => Assert.Equal("ETOOMANYREFS", await Unprivileged.RunAsNobodyAsync("uds-too-many-in-flight", "-"));
}
