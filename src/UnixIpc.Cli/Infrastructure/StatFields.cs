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

    /// <summary>
    /// A table after the fields: rows as aligned text, an array of objects in JSON (the same columns). A cell is a
    /// <see cref="long"/> (a number), a <see cref="bool"/> (yes/no in text) or a <see cref="string"/>.
    /// </summary>
    public StatFields Table(string name, string[] columns, IReadOnlyList<object[]> rows)
    {
        string[][] cells = [.. rows.Select(row => row.Select(CellText).ToArray())];
        int[] widths = [.. columns.Select((c, i) => cells.Select(r => r[i].Length).Append(c.Length).Max())];
        _textTable = o =>
        {
            o.WriteLine(string.Join("  ", columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
            foreach (string[] row in cells)
            {
                o.WriteLine(string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
            }
        };
        _jsonTable = w =>
        {
            w.WriteStartArray(name);
            foreach (object[] row in rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < columns.Length; i++)
                {
                    switch (row[i])
                    {
                        case bool b: w.WriteBoolean(columns[i], b); break;
                        case string text: w.WriteString(columns[i], text); break;
                        default: w.WriteNumber(columns[i], Convert.ToInt64(row[i], CultureInfo.InvariantCulture)); break;
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
        return this;
    }

    private static string CellText(object cell) => cell switch
    {
        bool b => b ? "yes" : "no",
        string text => CliFormat.Printable(text),
        _ => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
    };

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
