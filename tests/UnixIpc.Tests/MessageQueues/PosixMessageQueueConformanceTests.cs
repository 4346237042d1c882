namespace UnixIpc.Tests;

[Trait("conformance", "MQ-03")]
[Trait("conformance", "MQ-04")]
[Trait("conformance", "MQ-23")]
public sealed class PosixMessageQueueConformanceTests : NamedObjectConformanceTests<PosixMessageQueue>
{
    protected override string Kind => "mq";

    protected override PosixMessageQueue CreateNew(string name, UnixFileMode mode)
        => PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { Mode = mode, MaxMessages = 4, MaxMessageSize = 64 });

    protected override PosixMessageQueue CreateOrOpen(string name) => PosixMessageQueue.CreateOrOpen(name, new PosixMessageQueueOptions { MaxMessages = 4, MaxMessageSize = 64 });

    protected override PosixMessageQueue OpenExisting(string name) => PosixMessageQueue.OpenExisting(name);

    protected override bool TryOpenExisting(string name, out PosixMessageQueue? value) => PosixMessageQueue.TryOpenExisting(name, out value);

    protected override void Unlink(string name) => PosixMessageQueue.Unlink(name);

    protected override bool TryUnlink(string name) => PosixMessageQueue.TryUnlink(name);

    protected override UnixFileMode ModeOf(PosixMessageQueue value)
    {
        using var fd = SafeFdHandle.Borrow(value.Handle.Fd);
        return (UnixFileMode)(Interop.FStatx(fd, value.Name).stx_mode & 0x1FF);
    }

    protected override void UseHandle(PosixMessageQueue value)
    {
        Assert.True(value.TrySend("x"u8));
        var buffer = new byte[value.MaxMessageSize];
        Assert.True(value.TryReceive(buffer, out PosixMessageInfo info));
        Assert.Equal(1, info.Length);
    }
}
