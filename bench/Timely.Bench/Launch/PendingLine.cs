using System.Text;

namespace Timely.Bench.Launch;

/// <summary>
/// The part of a line read or written so far, for <see cref="LineSplitter"/> (a child's pipe) and
/// <see cref="LineWriter"/> (process 0's console), which must cut the same text into the same
/// lines: a line ends at '\n', and a '\r' before it is dropped.
/// </summary>
internal sealed class PendingLine
{
    private readonly StringBuilder _text = new();

    /// <summary>Whether anything is pending.</summary>
    public bool IsEmpty => _text.Length == 0;

    public void Append(char value) => _text.Append(value);

    public void Append(ReadOnlySpan<char> text) => _text.Append(text);

    /// <summary>The pending text as a line (one '\r' at its end dropped), and nothing pending after.</summary>
    public string Take()
    {
        int length = _text.Length;
        if (length > 0 && _text[length - 1] == '\r')
        {
            length--;
        }

        string line = _text.ToString(0, length);
        _text.Clear();
        return line;
    }
}
