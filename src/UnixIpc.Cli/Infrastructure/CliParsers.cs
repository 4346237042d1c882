using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>Options and arguments with the CLI's number rules: decimal or 0x-hex numbers, octal modes.</summary>
internal static class CliParsers
{
    /// <summary>The longest --hold: what a timer accepts, in whole seconds (about 24.8 days, as for --timeout).</summary>
    public const long MaxHoldSeconds = int.MaxValue / 1000;

    /// <summary>
    /// A number option with its one range rule, checked at parse time, before anything is created, attached, locked or
    /// received. The default may lie outside the range (-1 for "not given"): only a value the user typed is checked, so
    /// "--copy -2" is refused instead of meaning "no --copy".
    /// </summary>
    public static Option<long> NumberOption(string name, string description, bool required = false, long? defaultValue = null,
        long min = long.MinValue, long max = long.MaxValue)
    {
        var option = new Option<long>(name)
        {
            Description = description,
            Required = required,
            CustomParser = result => result.Tokens.Count == 0 ? defaultValue ?? 0 : ParseNumberResult(result, min, max, name + ": "),
            HelpName = "N",
        };
        if (defaultValue is long value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    /// <summary>--timeout MS: 0 to int.MaxValue milliseconds when given; -1 (wait without limit) when not.</summary>
    public static Option<long> TimeoutOption(string description)
        => NumberOption("--timeout", description, defaultValue: -1, min: 0, max: int.MaxValue);

    /// <summary>--hold SECONDS: 0 to <see cref="MaxHoldSeconds"/> when given; <paramref name="defaultValue"/> (-1: do not hold) when not.</summary>
    public static Option<long> HoldOption(string description, bool required = false, long? defaultValue = null)
        => NumberOption("--hold", description, required, defaultValue, min: 0, max: MaxHoldSeconds);

    /// <summary>A 0-based index argument (a semaphore in a set), decimal or 0x hex like every other number.</summary>
    public static Argument<int> IndexArgument(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => (int)ParseNumberResult(result, 0, int.MaxValue, name + ": "),
    };

    public static Argument<int> IdArgument() => new("ID")
    {
        Description = "The object's id, as printed by get or ipcs.",
        CustomParser = result => (int)ParseNumberResult(result, 0, int.MaxValue),
    };

    public static Option<OctalMode> ModeOption(string description = "Permissions in octal, e.g. 0600.") => new("--mode")
    {
        Description = description,
        HelpName = "MODE",
        DefaultValueFactory = _ => new OctalMode(UnixFileMode.UserRead | UnixFileMode.UserWrite),
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (TryParseMode(text, out UnixFileMode mode))
            {
                return new OctalMode(mode);
            }

            result.AddError($"'{text}' is not a mode: give octal digits, e.g. 0600 or 644.");
            return default;
        },
    };

    /// <summary>
    /// Parses a number written in decimal or with a 0x prefix in hex. Hex is a magnitude: 16 digits with the top
    /// bit set do not wrap to a negative number (0xFFFFFFFFFFFFFFFF is not -1, "wait for ever"); they are too large.
    /// </summary>
    public static bool TryParseNumber(string text, out long value)
    {
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            bool parsed = ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong magnitude) && magnitude <= long.MaxValue;
            value = parsed ? (long)magnitude : 0;
            return parsed;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseMode(string text, out UnixFileMode mode)
    {
        mode = default;
        string digits = text.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length is 0 or > 5)
        {
            return false;
        }

        int value = 0;
        foreach (char c in digits)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = (value * 8) + (c - '0');
        }

        if (value > 0xFFF)
        {
            return false;
        }

        mode = (UnixFileMode)value;
        return true;
    }

    public static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8).PadLeft(3, '0');

    private static long ParseNumberResult(ArgumentResult result, long min, long max, string what = "")
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (!TryParseNumber(text, out long value))
        {
            // Digits that do not fit in 64 bits are a number out of range, not "not a number".
            string trimmed = text.Trim().TrimStart('-');
            bool hex = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            bool digits = (hex ? trimmed[2..] : trimmed) is { Length: > 0 } d && d.All(c => hex ? char.IsAsciiHexDigit(c) : char.IsAsciiDigit(c));
            result.AddError(digits
                ? (max == long.MaxValue ? $"{what}{text.Trim()} is out of range ({min} or more)." : $"{what}{text.Trim()} is out of range ({min} to {max}).")
                : $"{what}'{text}' is not a number: give decimal digits or 0x followed by hex digits.");
            return 0;
        }

        return CheckedRange(value, min, max, result, what);
    }

    private static long CheckedRange(long value, long min, long max, ArgumentResult result, string what = "")
    {
        if (value < min || value > max)
        {
            result.AddError(max == long.MaxValue ? $"{what}{value} is out of range ({min} or more)." : $"{what}{value} is out of range ({min} to {max}).");
        }

        return value;
    }
}

/// <summary>A permission mode as the CLI shows it: octal (help prints "[default: 0600]", not the enum's flag names).</summary>
internal readonly record struct OctalMode(UnixFileMode Value)
{
    public override string ToString() => CliParsers.FormatMode(Value);
}
