namespace UnixIpc.Cli;

/// <summary>
/// .NET reports file-system failures by exception type; the CLI's one-line contract names the errno. The raw errno
/// is the HResult of a plain IOException on Unix; the typed ones stand for the errno they are made from.
/// </summary>
internal static class IoErrors
{
    public static UnixIpcException ToErrno(Exception e, string operation, string objectName, Errno accessDenied = Errno.EACCES)
    {
        Errno error = e switch
        {
            FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
            // .NET reports opening a directory as a file as access denied; the kernel's answer is EISDIR.
            UnauthorizedAccessException when Directory.Exists(objectName) => Errno.EISDIR,
            UnauthorizedAccessException => accessDenied,
            PathTooLongException => Errno.ENAMETOOLONG,
            _ when Enum.IsDefined((Errno)e.HResult) => (Errno)e.HResult,
            _ => Errno.EIO,
        };
        return new UnixIpcException(error, operation, objectName, $"\"{objectName}\"", e.Message);
    }
}
