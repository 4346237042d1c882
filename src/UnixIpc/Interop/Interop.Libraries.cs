namespace UnixIpc;

/// <summary>
/// The raw libc layer: one file per C function (Interop.&lt;Function&gt;.cs), C names for constants and
/// structs, no policy. Everything above it goes through <see cref="Interop.Fail"/> for errors.
/// </summary>
internal static partial class Interop
{
    /// <summary>glibc's soname. Since glibc 2.34 shm_*, mq_* and sem_* live in libc itself, not librt.</summary>
    internal const string Libc = "libc.so.6";
}
