namespace UnixIpc;

/// <summary>Length and priority of a message received into a caller's buffer.</summary>
/// <param name="Length">Bytes received (0 is a valid, empty message).</param>
/// <param name="Priority">0 (lowest) to 32767.</param>
public readonly record struct PosixMessageInfo(int Length, int Priority);

/// <summary>A message with its own bytes, for <see cref="PosixMessageQueue.ReceiveAllAsync"/> and the channel adapters.</summary>
/// <param name="Data">The message bytes.</param>
/// <param name="Priority">0 (lowest) to 32767.</param>
public readonly record struct PosixMessage(ReadOnlyMemory<byte> Data, int Priority);
