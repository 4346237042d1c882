namespace UnixIpc;

/// <summary>Type and length of a System V message received into a caller's buffer.</summary>
/// <param name="Type">The message type (mtype, always &gt; 0).</param>
/// <param name="Length">Bytes received; with truncation asked for, at most the buffer's length.</param>
public readonly record struct SystemVMessageInfo(long Type, int Length);

/// <summary>A System V message with its own bytes.</summary>
/// <param name="Type">The message type (mtype).</param>
/// <param name="Data">The message bytes.</param>
public readonly record struct SystemVMessage(long Type, ReadOnlyMemory<byte> Data);
