using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>The errno captured by the last <c>SetLastError = true</c> call on this thread.</summary>
    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>The one funnel from "the call returned -1" to an exception.</summary>
    internal static UnixIpcException Fail(Errno error, string operation, string? objectName, string? arguments = null)
        => error == Errno.EIDRM
            ? new IpcObjectRemovedException(operation, objectName, arguments)
            : new UnixIpcException(error, operation, objectName, arguments);

    /// <summary>Throws for the last errno when <paramref name="result"/> is -1; returns it otherwise.</summary>
    internal static int Check(int result, string operation, string? objectName, string? arguments = null)
        => result == -1 ? throw Fail(LastErrno, operation, objectName, arguments) : result;

    /// <summary>
    /// Runs <paramref name="call"/> again while it fails with EINTR. The .NET runtime's own signals
    /// (SIGCHLD once Process is used, SIGRTMIN for thread suspension) interrupt slow calls without the
    /// user sending anything, so EINTR must never reach a caller. Not for close(), which is never retried.
    /// </summary>
    internal static int RetryOnInterrupt(Func<int> call)
    {
        int result;
        while ((result = call()) == -1 && LastErrno == Errno.EINTR)
        {
        }

        return result;
    }
}
