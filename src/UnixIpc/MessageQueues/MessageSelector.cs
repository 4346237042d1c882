using System.Globalization;

namespace UnixIpc;

/// <summary>
/// Which message a System V receive takes: the msgtyp/flag combinations of msgrcv, named.
/// <c>default</c> is <see cref="Any"/>.
/// </summary>
public readonly record struct MessageSelector
{
    private MessageSelector(long messageType, int flags)
    {
        MessageType = messageType;
        Flags = flags;
    }

    /// <summary>The first message in the queue, whatever its type (msgtyp 0).</summary>
    public static MessageSelector Any => default;

    /// <summary>msgtyp as passed to msgrcv.</summary>
    internal long MessageType { get; }

    /// <summary>MSG_EXCEPT or MSG_COPY, when the selection needs one.</summary>
    internal int Flags { get; }

    /// <summary>True for <see cref="CopyAt"/>, which can only be tried, never waited for.</summary>
    internal bool IsCopy => (Flags & Interop.MSG_COPY) != 0;

    /// <summary>The first message of exactly <paramref name="type"/> (msgtyp &gt; 0).</summary>
    public static MessageSelector Type(long type)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(type);
        return new(type, 0);
    }

    /// <summary>
    /// The first message of the lowest type that is ≤ <paramref name="maxType"/> (msgtyp = −maxType):
    /// with types 4, 3, 2, 1 queued, <c>LowestUpTo(2)</c> takes type 1.
    /// </summary>
    public static MessageSelector LowestUpTo(long maxType)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxType);
        return new(-maxType, 0);
    }

    /// <summary>The first message whose type is not <paramref name="type"/> (MSG_EXCEPT).</summary>
    public static MessageSelector Except(long type)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(type);
        return new(type, Interop.MSG_EXCEPT);
    }

    /// <summary>
    /// A copy of the message at 0-based position <paramref name="index"/>, left in the queue (MSG_COPY; Linux 3.8+
    /// with CONFIG_CHECKPOINT_RESTORE). Only for <c>TryReceive</c>: the kernel cannot wait for a copy.
    /// </summary>
    public static MessageSelector CopyAt(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(index, Interop.MSG_COPY);
    }

    /// <inheritdoc/>
    public override string ToString() => (MessageType, Flags) switch
    {
        (0, 0) => "any",
        (var t, Interop.MSG_EXCEPT) => "except " + t.ToString(CultureInfo.InvariantCulture),
        (var i, Interop.MSG_COPY) => "copy at " + i.ToString(CultureInfo.InvariantCulture),
        (< 0, _) => "lowest up to " + (-MessageType).ToString(CultureInfo.InvariantCulture),
        _ => "type " + MessageType.ToString(CultureInfo.InvariantCulture),
    };
}
