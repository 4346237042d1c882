using System.Globalization;

namespace UnixIpc;

/// <summary>
/// A System V IPC key (key_t): what shmget, msgget and semget look objects up by. Either a number
/// agreed between the programs, <see cref="Private"/> (always a new object, shared by id or by fork),
/// or derived from an existing file with <see cref="FromPath"/> (ftok), which is how C programs usually meet.
/// </summary>
public readonly record struct IpcKey
{
    /// <summary>Wraps a key value. 0 is <see cref="Private"/>.</summary>
    public IpcKey(int value)
    {
        Value = value;
    }

    /// <summary>IPC_PRIVATE: every get creates a new object that only its id can reach.</summary>
    public static IpcKey Private => default;

    /// <summary>The key as the kernel sees it.</summary>
    public int Value { get; }

    /// <summary><see langword="true"/> for IPC_PRIVATE.</summary>
    public bool IsPrivate => Value == 0;

    /// <summary>
    /// ftok(3): the key a C program gets from <c>ftok(path, projectId)</c>. The file must exist and should
    /// stay: the key is built from its inode and device numbers, so a recreated file gives another key.
    /// </summary>
    /// <param name="path">An existing file or directory.</param>
    /// <param name="projectId">1 to 255 (ftok uses only the low 8 bits, and 0 is not allowed).</param>
    public static IpcKey FromPath(string path, int projectId)
    {
        RequiredText.ThrowIfEmpty(path, "the path ftok derives the key from");
        if (projectId is < 1 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(projectId), projectId, "ftok uses only the low 8 bits of the project id: give 1 to 255.");
        }

        int key = Interop.Ftok(path, projectId);
        if (key == -1)
        {
            throw Interop.Fail(Interop.LastErrno, "ftok", path, $"\"{path}\", {projectId}");
        }

        return new IpcKey(key);
    }

    /// <summary>
    /// Parses a key written in decimal or as 0x-hex (as ipcs prints it). key_t is 32 bits: decimal keys from
    /// -2147483648 to 4294967295 are accepted, so 2147483648 is the same key as 0x80000000 (and as -2147483648).
    /// </summary>
    public static IpcKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
        if (trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (uint.TryParse(trimmed[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex))
            {
                return new IpcKey(unchecked((int)hex));
            }
        }
        else if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value is >= int.MinValue and <= uint.MaxValue)
        {
            return new IpcKey(unchecked((int)value));
        }

        throw new FormatException($"\"{text}\" is not a System V key: give a decimal number (-2147483648 to 4294967295) or 0x followed by up to 8 hex digits.");
    }

    /// <summary>The key as ipcs shows it: <c>0x</c> and eight hex digits.</summary>
    public override string ToString() => "0x" + Value.ToString("x8", CultureInfo.InvariantCulture);
}
