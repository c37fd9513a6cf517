using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Formats values the way Rust's derived <c>{:?}</c> does, so captured events print exactly
/// as timely's golden <c>.events.txt</c> files: integers in decimal, strings quoted with
/// Rust's escapes, tuples as <c>(a, b)</c>, sequences as <c>[a, b]</c>, <c>Option</c> as
/// <c>None</c>/<c>Some(x)</c>, floats with a trailing <c>.0</c> when integral.
/// Diagnostic output only: it boxes and reflects, and is never on a data path.
/// </summary>
internal static class RustDebug
{
    public static void Append<TValue>(StringBuilder sb, TValue value) => AppendObject(sb, value);

    private static void AppendObject(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case string s:
                AppendString(sb, s);
                break;
            case char c:
                sb.Append('\'');
                AppendChar(sb, c.ToString(), '\'');
                sb.Append('\'');
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case double d:
                AppendFloat(sb, d, d.ToString("R", CultureInfo.InvariantCulture));
                break;
            case float f:
                AppendFloat(sb, f, f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case IFormattable number when value.GetType().IsPrimitive || value is decimal || value is Int128 || value is UInt128:
                sb.Append(number.ToString(null, CultureInfo.InvariantCulture));
                break;
            case ITuple tuple:
                sb.Append('(');
                for (int i = 0; i < tuple.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    AppendObject(sb, tuple[i]);
                }

                sb.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case IEnumerable sequence:
                sb.Append('[');
                bool first = true;
                foreach (object? item in sequence)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    AppendObject(sb, item);
                }

                sb.Append(']');
                break;
            default:
                sb.Append(value);
                break;
        }
    }

    private static void AppendFloat(StringBuilder sb, double value, string text)
    {
        if (double.IsNaN(value))
        {
            sb.Append("NaN");
        }
        else if (double.IsInfinity(value))
        {
            sb.Append(value > 0 ? "inf" : "-inf");
        }
        else
        {
            sb.Append(text);
            if (text.AsSpan().IndexOfAny('.', 'E') < 0)
            {
                sb.Append(".0");
            }
        }
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        AppendChar(sb, s, '"');
        sb.Append('"');
    }

    // Rust's char::escape_debug: \t \r \n \\ \0, the enclosing quote, other control
    // characters as \u{hex}; everything printable (including non-ASCII) as itself.
    private static void AppendChar(StringBuilder sb, string text, char quote)
    {
        foreach (Rune rune in text.EnumerateRunes())
        {
            int v = rune.Value;
            switch (v)
            {
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\\': sb.Append("\\\\"); break;
                case 0: sb.Append("\\0"); break;
                default:
                    if (v == quote)
                    {
                        sb.Append('\\').Append(quote);
                    }
                    else if (Rune.IsControl(rune))
                    {
                        sb.Append("\\u{").Append(v.ToString("x", CultureInfo.InvariantCulture)).Append('}');
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }

                    break;
            }
        }
    }
}
