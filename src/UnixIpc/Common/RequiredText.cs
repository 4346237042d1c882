using System.Runtime.CompilerServices;

namespace UnixIpc;

/// <summary>
/// Null or empty paths, addresses and program names: refused with a message that says what was expected, instead of
/// the runtime's "The value cannot be an empty string." (which the CLI would print as it is).
/// </summary>
internal static class RequiredText
{
    /// <summary>Throws unless <paramref name="value"/> has at least one character; <paramref name="what"/> names it ("the lock file's path").</summary>
    internal static void ThrowIfEmpty([System.Diagnostics.CodeAnalysis.NotNull] string? value, string what, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length == 0)
        {
            throw new ArgumentException($"{char.ToUpperInvariant(what[0])}{what[1..]} is empty: give one.", paramName);
        }
    }
}
