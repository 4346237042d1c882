namespace UnixIpc.Tests;

[Trait("conformance", "PSHM-03")]
[Trait("conformance", "PSHM-04")]
[Trait("conformance", "PSHM-09")]
public sealed class PosixSharedMemoryConformanceTests : NamedObjectConformanceTests<PosixSharedMemory>
{
    protected override string Kind => "pshm";

    protected override PosixSharedMemory CreateNew(string name, UnixFileMode mode)
        => PosixSharedMemory.CreateNew(name, 4096, new PosixSharedMemoryOptions { Mode = mode });

    protected override PosixSharedMemory CreateOrOpen(string name) => PosixSharedMemory.CreateOrOpen(name, 4096);

    protected override PosixSharedMemory OpenExisting(string name) => PosixSharedMemory.OpenExisting(name);

    protected override bool TryOpenExisting(string name, out PosixSharedMemory? value) => PosixSharedMemory.TryOpenExisting(name, out value);

    protected override void Unlink(string name) => PosixSharedMemory.Unlink(name);

    protected override bool TryUnlink(string name) => PosixSharedMemory.TryUnlink(name);

    protected override UnixFileMode ModeOf(PosixSharedMemory value) => value.Mode;

    protected override void UseHandle(PosixSharedMemory value)
    {
        using MappedRegion region = value.Map();
        region.Write(0, 42);
        Assert.Equal(42, region.Read<int>(0));
    }
}
