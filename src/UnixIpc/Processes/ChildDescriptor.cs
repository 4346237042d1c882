using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>What one descriptor number of a child process is bound to (<see cref="ChildProcessOptions.Descriptors"/>).</summary>
public sealed class ChildDescriptor
{
    private ChildDescriptor(ChildDescriptorKind kind, SafeHandle? handle = null, PipeEndStream? pipeEnd = null)
    {
        Kind = kind;
        Handle = handle;
        PipeEndStream = pipeEnd;
    }

    /// <summary>This process's descriptor of the same number (the default for 0, 1 and 2); closed in the child if it is closed here.</summary>
    public static ChildDescriptor Inherit { get; } = new(ChildDescriptorKind.Inherit);

    /// <summary>/dev/null, opened for reading and writing.</summary>
    public static ChildDescriptor Null { get; } = new(ChildDescriptorKind.Null);

    /// <summary>
    /// A new pipe: the child gets one end (the read end for descriptor 0, the write end for any other) and this process
    /// the other, as <see cref="ChildProcess.StandardInput"/>, <see cref="ChildProcess.StandardOutput"/>,
    /// <see cref="ChildProcess.StandardError"/> or <see cref="ChildProcess.GetPipe"/>.
    /// </summary>
    public static ChildDescriptor Pipe { get; } = new(ChildDescriptorKind.Pipe);

    /// <summary>What this binding is.</summary>
    public ChildDescriptorKind Kind { get; }

    /// <summary>The descriptor given, for <see cref="ChildDescriptorKind.Handle"/>.</summary>
    public SafeHandle? Handle { get; }

    /// <summary>The pipe or FIFO end given, when the handle came from one.</summary>
    public PipeEndStream? PipeEndStream { get; }

    /// <summary>
    /// A descriptor this process holds (a <see cref="PipeEndStream"/>'s, a file's, a socket's, a shared memory
    /// object's): the child gets a duplicate; this process keeps its own and closes it when it wants to.
    /// </summary>
    public static ChildDescriptor From(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        return new ChildDescriptor(ChildDescriptorKind.Handle, handle);
    }

    /// <summary>
    /// A pipe or FIFO end: the child gets a duplicate. Give the child the end it needs and dispose this process's copy
    /// after starting it, or the other side will not see end of stream while this process lives.
    /// </summary>
    public static ChildDescriptor From(PipeEndStream end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return new ChildDescriptor(ChildDescriptorKind.Handle, end.SafeFileHandle, end);
    }

    /// <summary>Binds a pipe or FIFO end (see <see cref="From(PipeEndStream)"/>).</summary>
    public static implicit operator ChildDescriptor(PipeEndStream end) => From(end);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ChildDescriptorKind.Handle => PipeEndStream?.ToString() ?? $"descriptor {Handle!.DangerousGetHandle()}",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>The kinds of <see cref="ChildDescriptor"/>.</summary>
public enum ChildDescriptorKind
{
    /// <summary>This process's descriptor of the same number.</summary>
    Inherit,

    /// <summary>/dev/null.</summary>
    Null,

    /// <summary>A new pipe to or from this process.</summary>
    Pipe,

    /// <summary>A descriptor given by the caller.</summary>
    Handle,
}
