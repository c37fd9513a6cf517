using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;

namespace Timely.PropTests.Communication;

/// <summary>
/// <c>--job</c> takes a name that becomes part of a directory's name: 1 to 100 ASCII letters,
/// digits, '-', '_' and '.', not starting with '.'; anything else is refused with the flag named.
/// Names are drawn mostly from that alphabet with a few other characters (a slash, a space,
/// a non-ASCII letter, a control character), so both sides of the rule are met often.
/// </summary>
public sealed class JobNameProperties
{
    private static readonly char[] Allowed = "abcXYZ019-_.".ToCharArray();
    private static readonly char[] Other = ['/', ' ', 'é', '\n', ':', '*'];

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property A_job_name_is_accepted_exactly_when_it_follows_the_rule() =>
        Prop.ForAll(
            Gen.Frequency((9, Gen.Elements(Allowed)), (1, Gen.Elements(Other)))
                .ArrayOf()
                .Select(chars => new string(chars))
                .Zip(Gen.Choose(0, 8), (name, pad) => pad == 0 ? name + new string('a', 95) : name)
                .ToArbitrary(),
            name =>
            {
                bool expected = name.Length is >= 1 and <= 100 && name[0] != '.' && name.All(c => Allowed.Contains(c) || char.IsAsciiLetterOrDigit(c));
                try
                {
                    var config = Timely.Communication.Config.FromArgs(["--job", name], out _);
                    return expected && config.JobName == name;
                }
                catch (ConfigException e)
                {
                    return !expected && e.Message.Contains("--job", StringComparison.Ordinal);
                }
            });
}
