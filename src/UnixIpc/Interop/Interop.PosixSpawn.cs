using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <spawn.h>
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>
    /// Room for posix_spawn_file_actions_t (80 bytes in glibc) and posix_spawnattr_t (336 bytes): opaque here, so
    /// they live in native memory of at least this size; the layout test checks glibc's sizes fit.
    /// </summary>
    internal const int SpawnObjectBytes = 512;

    /// <summary>sigset_t as glibc declares it (1024 bits).</summary>
    internal const int SigSetBytes = 128;

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_init")]
    internal static unsafe partial int PosixSpawnFileActionsInit(void* actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static unsafe partial int PosixSpawnFileActionsDestroy(void* actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static unsafe partial int PosixSpawnFileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addclose")]
    internal static unsafe partial int PosixSpawnFileActionsAddClose(void* actions, int fd);

    /// <summary>glibc 2.34+: closes every descriptor from <paramref name="lowFd"/> up in the child (close_range).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    internal static unsafe partial int PosixSpawnFileActionsAddCloseFrom(void* actions, int lowFd);

    /// <summary>glibc 2.29+: the child changes to this directory before exec.</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawnFileActionsAddChdir(void* actions, string path);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_init")]
    internal static unsafe partial int PosixSpawnAttrInit(void* attributes);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_destroy")]
    internal static unsafe partial int PosixSpawnAttrDestroy(void* attributes);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setflags")]
    internal static unsafe partial int PosixSpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static unsafe partial int PosixSpawnAttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static unsafe partial int PosixSpawnAttrSetSigMask(void* attributes, void* signals);

    [LibraryImport(Libc, EntryPoint = "sigfillset")]
    internal static unsafe partial int SigFillSet(void* set);

    [LibraryImport(Libc, EntryPoint = "sigemptyset")]
    internal static unsafe partial int SigEmptySet(void* set);

    /// <summary>
    /// posix_spawn(3). Returns the error number (0 on success) instead of setting errno; glibc (2.24+) reports
    /// a failed exec (ENOENT, EACCES, ENOEXEC) here, in the parent, rather than as a child exiting with 127.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawn(int* pid, string path, void* fileActions, void* attributes, byte** argv, byte** envp);
}
