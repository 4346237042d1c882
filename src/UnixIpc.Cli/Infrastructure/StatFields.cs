using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Cli;

/// <summary>
/// The fields a <c>stat</c> verb shows, listed once and printed either as aligned text (<c>name  value</c>) or as
/// one JSON object with the same names: the two forms cannot drift apart. Times are local in text and Unix seconds
/// in JSON (null: never); a mode is octal text in both.
/// </summary>
internal sealed class StatFields
{
    private readonly List<(string Name, string Text, Action<Utf8JsonWriter> Json)> _fields = [];
    private Action<TextWriter>? _textTable;
    private Action<Utf8JsonWriter>? _jsonTable;

    public StatFields Text(string name, string value) => Add(name, CliFormat.Printable(value), w => w.WriteString(name, value));

    public StatFields Number(string name, long value) => Add(name, value.ToString(CultureInfo.InvariantCulture), w => w.WriteNumber(name, value));

    public StatFields Mode(string name, UnixFileMode mode) => Add(name, CliParsers.FormatMode(mode), w => w.WriteString(name, CliParsers.FormatMode(mode)));

    public StatFields Flag(string name, bool value) => Add(name, value ? "yes" : "no", w => w.WriteBoolean(name, value));

    public StatFields Time(string name, DateTimeOffset? time) => Add(name, CliFormat.Time(time), w => w.WriteNullableTime(name, time));

    /// <summary>A table after the fields: rows as text, an array of objects in JSON (the same columns).</summary>
    public StatFields Table(string name, string[] columns, long[][] rows)
    {
        _textTable = o =>
        {
            o.WriteLine(string.Join("  ", columns));
            foreach (long[] row in rows)
            {
                o.WriteLine(string.Join("  ", row.Select((v, i) => v.ToString(CultureInfo.InvariantCulture).PadRight(columns[i].Length))).TrimEnd());
            }
        };
        _jsonTable = w =>
        {
            w.WriteStartArray(name);
            foreach (long[] row in rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < columns.Length; i++)
                {
                    w.WriteNumber(columns[i], row[i]);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
        return this;
    }

    public void Print(CliConsole console, bool json)
    {
        if (json)
        {
            JsonOutput.WriteObject(console, w =>
            {
                foreach (var field in _fields)
                {
                    field.Json(w);
                }

                _jsonTable?.Invoke(w);
            });
            return;
        }

        int width = _fields.Max(f => f.Name.Length) + 2;
        foreach (var field in _fields)
        {
            console.Out.WriteLine(field.Name.PadRight(width) + field.Text);
        }

        _textTable?.Invoke(console.Out);
    }

    private StatFields Add(string name, string text, Action<Utf8JsonWriter> json)
    {
        _fields.Add((name, text, json));
        return this;
    }
}
