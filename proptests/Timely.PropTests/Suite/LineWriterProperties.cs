using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Launch;

namespace Timely.PropTests.Suite;

/// <summary>
/// The launcher's process 0 runs in the launcher, and its console (<see cref="LineWriter"/>)
/// must hand on the lines a child's pipe gives (<see cref="LineSplitter"/>, the model) for the
/// same text: any text, cut into any pieces, each written by any of the writer's calls.
/// </summary>
public sealed class LineWriterProperties
{
    [Property(MaxTest = 500)]
    public Property Process_zeros_lines_are_the_lines_a_childs_pipe_gives()
    {
        var piece = Gen.Elements("", "a", "\n", "\r", "\r\n", "{\"x\":1}", "é→✓", " ", "\t", "line").ListOf().Select(parts => string.Concat(parts));
        var call = Gen.Choose(0, 4);
        var writes = Gen.Zip(piece, call).ListOf();
        return Prop.ForAll(writes.ToArbitrary(), list =>
        {
            var written = new List<string>();
            var writer = new LineWriter(line => written.Add(line.ToString()));
            var text = new StringBuilder();
            foreach (var (part, how) in list)
            {
                switch (how)
                {
                    case 0:
                        writer.Write(part);
                        text.Append(part);
                        break;
                    case 1:
                        foreach (char c in part)
                        {
                            writer.Write(c);
                        }

                        text.Append(part);
                        break;
                    case 2:
                        writer.Write(part.AsSpan());
                        text.Append(part);
                        break;
                    case 3:
                        writer.Write(part.ToCharArray(), 0, part.Length);
                        text.Append(part);
                        break;
                    default:
                        writer.WriteLine(part);
                        text.Append(part).Append('\n');
                        break;
                }
            }

            writer.End();
            var model = new List<string>();
            var splitter = new LineSplitter();
            splitter.Append(Encoding.UTF8.GetBytes(text.ToString()), line => model.Add(line.ToString()));
            splitter.End(line => model.Add(line.ToString()));
            return written.SequenceEqual(model);
        });
    }
}
