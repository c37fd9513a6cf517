using System.Text;

namespace Timely.Bench.Launch;

/// <summary>
/// A writer that hands each line written to it, as a whole, to an action: the launcher's process 0
/// runs in the launcher, and its console is one of these, so its lines are relayed by the rule a
/// child's lines are (JSON on stdout as it is, other lines prefixed <c>[p0]</c> on stderr). Lines
/// come out as <see cref="LineSplitter"/> cuts a child's pipe: a line ends at '\n', a '\r' before
/// it is dropped, and what is left at <see cref="End"/> is the last line.
/// </summary>
// Design: Console.SetOut and Console.SetError wrap this in a synchronized writer (one lock per
// call), so the runtime's threads that print (workers, the signal thread, the shared-memory
// transport's warnings) reach it one call at a time; it holds no lock of its own, and the action
// takes the launcher's gate, which the relay of the other processes' lines holds while it writes.
internal sealed class LineWriter(LineAction line) : TextWriter
{
    private readonly PendingLine _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            line(_pending.Take());
            return;
        }

        _pending.Append(value);
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (buffer.IndexOf('\n') is int end and >= 0)
        {
            _pending.Append(buffer[..end]);
            line(_pending.Take());
            buffer = buffer[(end + 1)..];
        }

        _pending.Append(buffer);
    }

    public override void WriteLine(string? value)
    {
        Write(value.AsSpan());
        line(_pending.Take());
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        Write(buffer);
        line(_pending.Take());
    }

    /// <summary>The writing has ended: hands what is left (a last line without its '\n') to the action, if anything is.</summary>
    public void End()
    {
        if (!_pending.IsEmpty)
        {
            line(_pending.Take());
        }
    }
}
