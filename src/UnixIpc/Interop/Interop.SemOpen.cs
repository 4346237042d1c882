using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>sizeof(sem_t) on 64-bit Linux.</summary>
    [CConstant("sizeof(sem_t)")]
    internal const int SIZEOF_SEM_T = 32;

    /// <summary>alignof(sem_t): a process-shared semaphore must sit at a multiple of this.</summary>
    [CConstant("_Alignof(sem_t)")]
    internal const int ALIGNOF_SEM_T = 8;

    /// <summary>SEM_VALUE_MAX (INT_MAX on Linux).</summary>
    internal const int SEM_VALUE_MAX = int.MaxValue;

    /// <summary>
    /// sem_open(3): returns a sem_t* or SEM_FAILED (NULL in glibc). Variadic in C
    /// (<c>sem_t *sem_open(const char*, int, ...)</c>); mode and value as fixed arguments are valid on the
    /// x86-64 and arm64 Linux calling conventions. Opening one name twice in a process returns the same pointer.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "sem_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint SemOpen(string name, int oflag, uint mode, uint value);

    /// <summary>sem_close(3): drops this process's reference; the value is untouched.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_close", SetLastError = true)]
    internal static partial int SemClose(nint sem);

    /// <summary>sem_unlink(3): removes /dev/shm/sem.NAME.</summary>
    [LibraryImport(Libc, EntryPoint = "sem_unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int SemUnlink(string name);
}
