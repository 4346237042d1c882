using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>The bytes a sending command takes: <c>--data TEXT</c> (UTF-8), <c>--hex HEX</c>, or standard input.</summary>
internal sealed class DataInput
{
    public Option<string> Data { get; } = new("--data") { Description = "The data as text (UTF-8).", HelpName = "TEXT" };

    public Option<string> Hex { get; } = new("--hex") { Description = "The data as hex digits, e.g. 48656c6c6f (spaces allowed).", HelpName = "HEX" };

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Hex);
    }

    /// <summary>
    /// The data. Standard input is read up to <paramref name="limit"/> + 1 bytes only: more than the largest
    /// message that could be sent is refused (EMSGSIZE) without buffering an endless stream.
    /// </summary>
    public byte[] Read(ParseResult parse, CliConsole console, int limit = int.MaxValue - 1)
    {
        string? text = parse.GetValue(Data);
        string? hex = parse.GetValue(Hex);
        if (text is not null && hex is not null)
        {
            throw new UsageException("give the data once: --data or --hex, not both.");
        }

        if (text is not null)
        {
            return System.Text.Encoding.UTF8.GetBytes(text);
        }

        if (hex is not null)
        {
            return ParseHex(hex);
        }

        if (!console.StandardInputUsable)
        {
            throw new UsageException("no data: standard input is closed; give --data or --hex.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[65536];
        int read;
        try
        {
            while (buffer.Length <= limit && (read = console.StandardInput.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1L - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // stdin a directory (EISDIR) or open for writing only (EBADF): one line, not a stack trace.
            throw IoErrors.ToErrno(e, "read", "standard input", accessDenied: Errno.EBADF);
        }

        return buffer.Length > limit
            ? throw new UnixIpcException(Errno.EMSGSIZE, "read", "standard input", null, $"Standard input holds more than the largest message ({limit} bytes).")
            : buffer.ToArray();
    }

    /// <summary>Whether the data comes from standard input (neither --data nor --hex given).</summary>
    public bool FromStandardInput(ParseResult parse) => parse.GetValue(Data) is null && parse.GetValue(Hex) is null;

    public static byte[] ParseHex(string hex)
    {
        string digits = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.Length % 2 != 0)
        {
            throw new UsageException($"--hex needs an even number of hex digits; got {digits.Length}.");
        }

        var bytes = new byte[digits.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(digits.AsSpan(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                throw new UsageException($"--hex: '{digits.Substring(2 * i, 2)}' is not a hex byte.");
            }
        }

        return bytes;
    }
}
