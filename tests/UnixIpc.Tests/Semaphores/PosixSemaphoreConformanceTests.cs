namespace UnixIpc.Tests;

[Trait("conformance", "PSEM-08")]
[Trait("conformance", "PSEM-09")]
[Trait("conformance", "PSEM-14")]
public sealed class PosixSemaphoreConformanceTests : NamedObjectConformanceTests<PosixSemaphore>
{
    protected override string Kind => "psem";

    protected override PosixSemaphore CreateNew(string name, UnixFileMode mode)
        => PosixSemaphore.CreateNew(name, 1, new PosixSemaphoreOptions { Mode = mode });

    protected override PosixSemaphore CreateOrOpen(string name) => PosixSemaphore.CreateOrOpen(name, 1);

    protected override PosixSemaphore OpenExisting(string name) => PosixSemaphore.OpenExisting(name);

    protected override bool TryOpenExisting(string name, out PosixSemaphore? value) => PosixSemaphore.TryOpenExisting(name, out value);

    protected override void Unlink(string name) => PosixSemaphore.Unlink(name);

    protected override bool TryUnlink(string name) => PosixSemaphore.TryUnlink(name);

    protected override UnixFileMode ModeOf(PosixSemaphore value) => File.GetUnixFileMode("/dev/shm/sem." + value.Name![1..]);

    protected override void UseHandle(PosixSemaphore value)
    {
        value.Release();
        Assert.True(value.TryWait());
    }
}
