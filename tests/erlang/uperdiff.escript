#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% uperdiff.escript: differential test of the project's UPER codec
%% (asn1c 0.9.28 + the normalised model of codecs/) against Erlang/OTP's
%% asn1 application, an independent UPER implementation.
%%
%%   escript uperdiff.escript HELPER ASN1_DIR
%%
%% HELPER is uperdiff-helper (the C side, see uperdiff_helper.c); ASN1_DIR
%% holds the project's ASN.1 modules (codecs/asn1/*.asn).  Environment:
%%   V2X_ERLANG_SEED   seed of both random generators (default below); a
%%                     run is repeatable from its seed, which it prints
%%   V2X_ERLANG_COUNT  values per message type and direction (default 400)
%%
%% What it does:
%%  1. Copies the modules into a temporary folder and compiles them there
%%     with asn1ct:compile(Set, [uper]) (`erlc +uper` would silently give
%%     BER).  The modules IMPORT from each other, so they are compiled
%%     together, as one "set" (v2x_day1.set.asn lists the files), into one
%%     Erlang module, v2x_day1.
%%  2. Direction 1, Erlang encodes and we decode: random MessageFrames of
%%     each of the five types, made here by walking the compiled types (see
%%     "Random values"), encoded by Erlang.  For each, the helper decodes
%%     the bytes with asn1c, prints asn1c's value as an Erlang term, and
%%     round-trips the bytes through the codec (v2x_codec_decode, then
%%     v2x_codec_encode).  A value is identical when the codec gives back
%%     Erlang's bytes and asn1c's value equals Erlang's.
%%  3. Direction 2, we encode and Erlang decodes: the helper makes random
%%     values from asn1c's type descriptors, encodes them with asn1c,
%%     round-trips them through the codec (whose bytes must equal asn1c's)
%%     and prints the codec's bytes and the value.  A value is identical when
%%     Erlang decodes those bytes to that value.
%%  4. Prints, per direction, how much of the schema the values covered
%%     (see "Coverage"; for information, it does not fail the test), every
%%     difference (message type, hex, the path to the first differing field
%%     and both values there; the first ten also with both whole values),
%%     and "direction N: V values, I identical, D different".  Exits 0 when
%%     nothing differed, 1 otherwise (the work folder is then kept, and
%%     named, for a closer look), 77 (skip) when the asn1 application is not
%%     installed.
%%
%% Values are compared after one normalisation: a named BIT STRING is a set
%% of bits.  Erlang gives it as a list of names ({bit, N} for an unnamed
%% position) while the helper prints a bitstring; both become
%% {bits, Positions}.  X.680 (22.7) lets encoders add or remove trailing
%% zero bits of such a value, so its length is not part of the value.

-mode(compile).

-define(MODULE_NAME, v2x_day1).
-define(DEFAULT_SEED, 20240601).
-define(DEFAULT_COUNT, 400).
%% Same budget as the helper's RANDVAL_TOP_BUDGET (randval.h).
-define(TOP_BUDGET, 64).
-define(CHARS_PER_BUDGET, 16).
%% Longest extensible BIT STRING made: the model keeps 64 bits (msg.h).
-define(EXT_BITS_MAX, 64).
%% Differences of a direction reported with both whole values; the rest
%% get the hex and the first difference only.
-define(FULL_REPORTS, 10).
%% Cases not covered that a run names.
-define(COVERAGE_SHOWN, 12).

main([Helper, AsnDir]) ->
    require_asn1(),
    Seed = env_int("V2X_ERLANG_SEED", ?DEFAULT_SEED),
    Count = env_int("V2X_ERLANG_COUNT", ?DEFAULT_COUNT),
    io:format("uperdiff: seed ~b (V2X_ERLANG_SEED), ~b values per message type "
              "and direction (V2X_ERLANG_COUNT)~n", [Seed, Count]),
    Dir = make_work_dir(),
    Ctx = compile_schema(AsnDir, Dir),
    D1 = direction1(Ctx#{helper => Helper}, Seed, Count),
    D2 = direction2(Ctx#{helper => Helper}, Seed, Count),
    Different = summary(1, D1) + summary(2, D2),
    finish(Dir, Different);
main(_) ->
    io:format(standard_error, "usage: escript uperdiff.escript HELPER ASN1_DIR~n", []),
    halt(2).

%% ---- set-up ---------------------------------------------------------------

require_asn1() ->
    case code:which(asn1ct) of
        non_existing ->
            io:format("SKIP: Erlang/OTP's asn1 application is not installed "
                      "(Debian: apt-get install erlang-base erlang-asn1)~n"),
            halt(77);
        _ ->
            ok
    end.

env_int(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        "" -> Default;
        S ->
            try list_to_integer(S)
            catch error:badarg -> fail("~s is not an integer: ~s", [Name, S])
            end
    end.

make_work_dir() ->
    Base = case os:getenv("TMPDIR") of
               false -> "/tmp";
               "" -> "/tmp";
               T -> T
           end,
    Name = io_lib:format("uperdiff-~s-~b", [os:getpid(), erlang:unique_integer([positive])]),
    Dir = filename:join(Base, Name),
    ok = file:make_dir(Dir),
    Dir.

finish(Dir, 0) ->
    ok = file:del_dir_r(Dir),
    halt(0);
finish(Dir, _) ->
    io:format("uperdiff: the inputs and outputs of this run are kept in ~s~n", [Dir]),
    halt(1).

fail(Fmt, Args) ->
    io:format(standard_error, "uperdiff: " ++ Fmt ++ "~n", Args),
    halt(1).

%% Compiles every module of AsnDir, as one set, into Dir and loads it.
%% Returns the context the rest needs: the Erlang module and the table of
%% compiled types.
compile_schema(AsnDir, Dir) ->
    Files = lists:sort(filelib:wildcard(filename:join(AsnDir, "*.asn"))),
    Files =/= [] orelse fail("no *.asn file in ~s", [AsnDir]),
    [{ok, _} = file:copy(F, filename:join(Dir, filename:basename(F))) || F <- Files],
    Set = filename:join(Dir, atom_to_list(?MODULE_NAME) ++ ".set.asn"),
    ok = file:write_file(Set, [[filename:basename(F), $\n] || F <- Files]),
    case asn1ct:compile(Set, [uper, {outdir, Dir}, {i, Dir}]) of
        ok -> ok;
        Error -> fail("asn1ct:compile of ~s: ~p", [AsnDir, Error])
    end,
    true = code:add_patha(Dir),
    {module, ?MODULE_NAME} = code:load_file(?MODULE_NAME),
    {ok, Tab} = ets:file2tab(filename:join(Dir, atom_to_list(?MODULE_NAME) ++ ".asn1db")),
    #{mod => ?MODULE_NAME, types => Tab, dir => Dir}.

%% ---- the compiled types ---------------------------------------------------
%%
%% asn1ct keeps the types it compiled in Module.asn1db, an ets table of
%% {Name, #typedef{}} with OTP's internal records (asn1_records.hrl), whose
%% layouts in OTP 25 are:
%%   #typedef{}        {typedef, Checked, Pos, Name, #type{}}
%%   #type{}           {type, Tags, Def, Constraints, TableCInf, Inlined}
%%   #'ComponentType'{} {'ComponentType', Pos, Name, #type{}, Prop, Tags, Order}
%%   #'SEQUENCE'{}     {'SEQUENCE', PName, TableCInf, ExtAddGroup, Components}
%%   #'Externaltypereference'{} {'Externaltypereference', Pos, Module, Name}
%% The same table is what asn1ct:value/2 walks.  asn1ct:value/2 itself is not
%% used: its OPTIONAL fields are always present, its lists stay near their
%% lower bound and a named BIT STRING gets a single bit.

typedef(#{types := Tab}, Name) ->
    case ets:lookup(Tab, Name) of
        [{Name, {typedef, _, _, Name, Type}}] -> Type;
        Other -> fail("type ~p: unexpected entry in the .asn1db: ~p", [Name, Other])
    end.

%% Follows type references down to a built-in type.  Returns {Name, Def,
%% Constraints}: Name is the name of the last type defined on the way (a
%% SEQUENCE's record name), or undefined for an inline type.
resolve(Ctx, {type, _Tags, {'Externaltypereference', _, _, Name}, [], _, _}, _) ->
    resolve(Ctx, typedef(Ctx, Name), Name);
resolve(_, {type, _Tags, {'Externaltypereference', _, _, Name}, Cs, _, _}, _) ->
    fail("a constrained reference to ~p is not supported: ~p", [Name, Cs]);
resolve(_, {type, _Tags, Def, Cs, _, _}, Name) ->
    {Name, Def, Cs}.

components({Root, Ext}) -> Root ++ Ext;
components({Root1, Ext, Root2}) -> Root1 ++ Ext ++ Root2;
components(List) when is_list(List) -> List.

root_alternatives({Root, _Ext}) -> Root;
root_alternatives(List) when is_list(List) -> List.

enum_root({Root, _Ext}) -> Root;
enum_root(List) when is_list(List) -> List.

%% {Lb, Ub, Extensible} of a SIZE constraint.
size_range(Cs) ->
    case lists:keyfind('SizeConstraint', 1, Cs) of
        {_, {{Lb, Ub}, _Ext}} -> {Lb, Ub, true};
        {_, {Lb, Ub}} when is_integer(Lb), is_integer(Ub) -> {Lb, Ub, false};
        {_, N} when is_integer(N) -> {N, N, false};
        false -> {0, 16, false};
        Other -> fail("SIZE constraint not supported: ~p", [Other])
    end.

value_range(Cs) ->
    case lists:keyfind('ValueRange', 1, Cs) of
        {_, {Lb, Ub}} when is_integer(Lb), is_integer(Ub) -> {Lb, Ub};
        false -> {-1000, 1000};
        Other -> fail("value constraint not supported: ~p", [Other])
    end.

%% ---- random values --------------------------------------------------------
%%
%% The same policy as the helper's generator (randval.h): integers at
%% their bounds a quarter of the time, sizes at their bounds half of the
%% time, OPTIONAL fields present half of the time, every root alternative
%% and enumeration value, and a budget that keeps nested lists small.

gen(Ctx, Type, Budget) ->
    {Name, Def, Cs} = resolve(Ctx, Type, undefined),
    gen(Ctx, Name, Def, Cs, Budget).

%% Erlang inlines a reference to a simple type into the component, so a
%% string's type name is gone; the field name tells a name from a text.
gen_field(Ctx, Field, Type, Budget) ->
    case resolve(Ctx, Type, undefined) of
        {undefined, 'IA5String', Cs} when Field =:= name ->
            gen(Ctx, 'DescriptiveName', 'IA5String', Cs, Budget);
        {Name, Def, Cs} ->
            gen(Ctx, Name, Def, Cs, Budget)
    end.

gen(_, _, 'INTEGER', Cs, _) ->
    {Lb, Ub} = value_range(Cs),
    case rand:uniform(8) of
        1 -> Lb;
        2 -> Ub;
        _ -> Lb + rand:uniform(Ub - Lb + 1) - 1
    end;
gen(_, _, {'ENUMERATED', Values}, _, _) ->
    Root = enum_root(Values),
    {Atom, _} = lists:nth(rand:uniform(length(Root)), Root),
    Atom;
gen(_, _, {'BIT STRING', Named}, Cs, _) ->
    gen_bits(Named, Cs);
gen(_, _, 'OCTET STRING', Cs, Budget) ->
    {Lb, Ub, _} = size_range(Cs),
    N = pick_size(Lb, Ub, Budget * ?CHARS_PER_BUDGET),
    << <<(rand:uniform(256) - 1)>> || _ <- lists:seq(1, N) >>;
gen(_, Name, 'IA5String', Cs, Budget) ->
    {Lb, Ub, _} = size_range(Cs),
    %% No NUL in names: the model keeps them as C strings and refuses a
    %% NUL rather than cut the name (codecs/convert.c, cvt__name_from).
    Lo = case Name of 'DescriptiveName' -> 1; _ -> 0 end,
    N = pick_size(Lb, Ub, Budget * ?CHARS_PER_BUDGET),
    [Lo + rand:uniform(128 - Lo) - 1 || _ <- lists:seq(1, N)];
gen(Ctx, Name, {'SEQUENCE', _, _, _, Comps}, _, Budget) ->
    Name =/= undefined orelse fail("inline SEQUENCE types are not supported", []),
    Fields = [gen_component(Ctx, C, Budget) || C <- components(Comps)],
    list_to_tuple([Name | Fields]);
gen(Ctx, _, {'CHOICE', Alts}, _, Budget) ->
    Root = root_alternatives(Alts),
    {'ComponentType', _, Alt, Type, _, _, _} = lists:nth(rand:uniform(length(Root)), Root),
    {Alt, gen(Ctx, Type, Budget)};
gen(Ctx, _, {'SEQUENCE OF', Type}, Cs, Budget) ->
    {Lb, Ub, _} = size_range(Cs),
    N = pick_size(Lb, Ub, Budget),
    Share = max(1, Budget div max(1, N)),
    [gen(Ctx, Type, Share) || _ <- lists:seq(1, N)];
gen(_, Name, Def, _, _) ->
    fail("type ~p: ~p is not supported by the generator", [Name, Def]).

gen_component(Ctx, {'ComponentType', _, Field, Type, Prop, _, _}, Budget) ->
    case Prop =/= mandatory andalso rand:uniform(2) =:= 1 of
        true -> asn1_NOVALUE;
        false -> gen_field(Ctx, Field, Type, Budget)
    end.

%% A quarter of the time the lower bound, a quarter the largest allowed
%% (at most Cap), else anything between.
pick_size(Lb, Ub, Cap) ->
    Hi = max(Lb, min(Ub, Cap)),
    case rand:uniform(4) of
        1 -> Lb;
        2 -> Hi;
        _ -> Lb + rand:uniform(Hi - Lb + 1) - 1
    end.

%% A named BIT STRING is a list of the names of its set bits ({bit, N} for
%% a position without a name).  Erlang encodes it without trailing zero
%% bits, then padded to the lower bound (X.691 16.2), so an extended length
%% is made by setting the last bit of that length.  (The other form Erlang
%% accepts, a bitstring, is not used: OTP 25's encoder crashes with a
%% badmatch in bs_drop_trailing_zeroes when a bitstring longer than the
%% root ends in 1 to 7 zero bits past it, e.g. VehicleEventFlags
%% <<1:1, 0:15>>.)
gen_bits(Named, Cs) ->
    {Lb, Ub, Ext} = size_range(Cs),
    Size = case Ext andalso Ub < ?EXT_BITS_MAX andalso rand:uniform(4) =:= 1 of
               true -> Ub + rand:uniform(?EXT_BITS_MAX - Ub);
               false -> pick_size(Lb, Ub, Ub)
           end,
    Last = case Size > Ub of
               true -> Size - 1;
               false -> none
           end,
    Set = [P || P <- lists:seq(0, Size - 1), P =:= Last orelse rand:uniform(2) =:= 1],
    case Named of
        [] -> << <<(bool_bit(lists:member(P, Set))):1>> || P <- lists:seq(0, Size - 1) >>;
        _ -> [bit_name(Named, P) || P <- Set]
    end.

bool_bit(true) -> 1;
bool_bit(false) -> 0.

bit_name(Named, P) ->
    case lists:keyfind(P, 2, Named) of
        {Name, P} -> Name;
        false -> {bit, P}
    end.

%% A random MessageFrame whose alternative is Alt.
gen_frame(Ctx, Alt) ->
    {type, _, {'CHOICE', Alts}, _, _, _} = typedef(Ctx, 'MessageFrame'),
    {'ComponentType', _, Alt, Type, _, _, _} = lists:keyfind(Alt, 3, root_alternatives(Alts)),
    {Alt, gen(Ctx, Type, ?TOP_BUDGET)}.

frame_alternatives(Ctx) ->
    {type, _, {'CHOICE', Alts}, _, _, _} = typedef(Ctx, 'MessageFrame'),
    [Alt || {'ComponentType', _, Alt, _, _, _, _} <- root_alternatives(Alts)].

%% ---- comparing values -----------------------------------------------------

%% Value with every named BIT STRING made {bits, Positions}.  A value that
%% does not fit Type is returned as it is, for the comparison to show.
canon(Ctx, Type, Value) ->
    {_, Def, _} = resolve(Ctx, Type, undefined),
    try canon_def(Ctx, Def, Value)
    catch error:_ -> Value
    end.

canon_def(_, {'BIT STRING', Named}, V) when Named =/= [] ->
    {bits, bit_positions(Named, V)};
canon_def(Ctx, {'SEQUENCE', _, _, _, Comps}, V) when is_tuple(V) ->
    Types = [T || {'ComponentType', _, _, T, _, _, _} <- components(Comps)],
    [Name | Fields] = tuple_to_list(V),
    length(Fields) =:= length(Types) orelse error(arity),
    list_to_tuple([Name | lists:zipwith(fun(_, asn1_NOVALUE) -> asn1_NOVALUE;
                                           (T, F) -> canon(Ctx, T, F)
                                        end, Types, Fields)]);
canon_def(Ctx, {'CHOICE', Alts}, {Alt, V}) ->
    {'ComponentType', _, Alt, Type, _, _, _} = lists:keyfind(Alt, 3, components(Alts)),
    {Alt, canon(Ctx, Type, V)};
canon_def(Ctx, {'SEQUENCE OF', Type}, V) when is_list(V) ->
    [canon(Ctx, Type, E) || E <- V];
canon_def(_, _, V) ->
    V.

bit_positions(_, V) when is_bitstring(V) ->
    [P || {P, 1} <- lists:zip(lists:seq(0, bit_size(V) - 1), [B || <<B:1>> <= V])];
bit_positions(Named, V) when is_list(V) ->
    lists:usort([case E of
                     {bit, P} -> P;
                     Name -> {Name, P} = lists:keyfind(Name, 1, Named), P
                 end || E <- V]).

frame_type() ->
    {type, [], {'Externaltypereference', 0, ?MODULE_NAME, 'MessageFrame'}, [], [], no}.

%% same, or {different, Where}: Where is the path to the first place where
%% the two MessageFrames differ (after canon/3) and what each holds there.
%% A step of the path is {Head, N} for field N of a record (Head is the
%% record's name) or of a CHOICE value (Head is the alternative), and N
%% for element N of a list.
compare(Ctx, Erlang, Ours) ->
    A = canon(Ctx, frame_type(), Erlang),
    B = canon(Ctx, frame_type(), Ours),
    case A =:= B of
        true -> same;
        false -> {different, first_difference(A, B, [])}
    end.

first_difference(A, B, Path) when is_tuple(A), is_tuple(B), tuple_size(A) =:= tuple_size(B),
                                  tuple_size(A) > 1, is_atom(element(1, A)),
                                  element(1, A) =:= element(1, B) ->
    [Head | As] = tuple_to_list(A),
    [Head | Bs] = tuple_to_list(B),
    first_difference(As, Bs, 1, fun(I) -> {Head, I} end, Path);
first_difference(A, B, Path) when is_list(A), is_list(B), length(A) =:= length(B) ->
    first_difference(A, B, 1, fun(I) -> I end, Path);
first_difference(A, B, Path) ->
    {lists:reverse(Path), A, B}.

first_difference([X | As], [X | Bs], I, Step, Path) ->
    first_difference(As, Bs, I + 1, Step, Path);
first_difference([A | _], [B | _], I, Step, Path) ->
    first_difference(A, B, [Step(I) | Path]).

%% ---- coverage -------------------------------------------------------------
%%
%% What a run should see at least once, so that a weaker generator does not
%% go unnoticed: every root alternative of every CHOICE, every OPTIONAL
%% field present and absent, both bounds of every INTEGER and SIZE range,
%% every ENUMERATED value, and every extensible BIT STRING longer than its
%% root.  A case is {Where, What}: Where is {Record, Field} (the top frame is
%% 'MessageFrame'; a CHOICE alternative adds itself, {Where, Alt}).

%% Every case the types allow below Type at Where.
cases(Ctx, Type, Where) ->
    {Name, Def, Cs} = resolve(Ctx, Type, undefined),
    cases(Ctx, Name, Def, Cs, Where).

cases(_, _, 'INTEGER', Cs, W) ->
    {Lb, Ub} = value_range(Cs),
    [{W, {value, Lb}}, {W, {value, Ub}}];
cases(_, _, {'ENUMERATED', Values}, _, W) ->
    [{W, {value, A}} || {A, _} <- enum_root(Values)];
cases(_, _, {'BIT STRING', _}, Cs, W) ->
    [{W, extended} || {_, _, true} <- [size_range(Cs)]];
cases(Ctx, Name, {'SEQUENCE', _, _, _, Comps}, _, _) ->
    lists:append([field_cases(Ctx, Name, C) || C <- components(Comps)]);
cases(Ctx, _, {'CHOICE', Alts}, _, W) ->
    lists:append([[{W, {alternative, A}} | cases(Ctx, T, {W, A})]
                  || {'ComponentType', _, A, T, _, _, _} <- root_alternatives(Alts)]);
cases(Ctx, _, {'SEQUENCE OF', Type}, Cs, W) ->
    size_cases(Cs, W) ++ cases(Ctx, Type, W);
cases(_, _, _String, Cs, W) ->
    size_cases(Cs, W).

field_cases(Ctx, Record, {'ComponentType', _, Field, Type, Prop, _, _}) ->
    W = {Record, Field},
    [{W, P} || Prop =/= mandatory, P <- [present, absent]] ++ cases(Ctx, Type, W).

size_cases(Cs, W) ->
    {Lb, Ub, _} = size_range(Cs),
    lists:usort([{W, {size, Lb}}, {W, {size, Ub}}]).

%% Adds to Seen the cases that Value, of Type at Where, shows.
seen(Ctx, Type, Value, Where, Seen) ->
    {Name, Def, Cs} = resolve(Ctx, Type, undefined),
    seen(Ctx, Name, Def, Cs, Value, Where, Seen).

seen(_, _, {'BIT STRING', Named}, Cs, V, W, Seen) ->
    {_, Ub, _} = size_range(Cs),
    Length = case V of
                 _ when is_bitstring(V) -> bit_size(V);
                 _ -> lists:max([0 | [P + 1 || P <- bit_positions(Named, V)]])
             end,
    add(Length > Ub, {W, extended}, Seen);
seen(Ctx, Name, {'SEQUENCE', _, _, _, Comps}, _, V, _, Seen) ->
    lists:foldl(fun({{'ComponentType', _, F, _, _, _, _}, asn1_NOVALUE}, S) ->
                        sets:add_element({{Name, F}, absent}, S);
                   ({{'ComponentType', _, F, T, Prop, _, _}, FV}, S) ->
                        S1 = add(Prop =/= mandatory, {{Name, F}, present}, S),
                        seen(Ctx, T, FV, {Name, F}, S1)
                end, Seen, lists:zip(components(Comps), tl(tuple_to_list(V))));
seen(Ctx, _, {'CHOICE', Alts}, _, {Alt, V}, W, Seen) ->
    {'ComponentType', _, Alt, T, _, _, _} = lists:keyfind(Alt, 3, components(Alts)),
    seen(Ctx, T, V, {W, Alt}, sets:add_element({W, {alternative, Alt}}, Seen));
seen(Ctx, _, {'SEQUENCE OF', Type}, Cs, V, W, Seen) ->
    {Lb, Ub, _} = size_range(Cs),
    Size = length(V),
    lists:foldl(fun(E, S) -> seen(Ctx, Type, E, W, S) end,
                add(Size =:= Lb orelse Size =:= Ub, {W, {size, Size}}, Seen), V);
seen(_, _, 'INTEGER', Cs, V, W, Seen) ->
    {Lb, Ub} = value_range(Cs),
    add(V =:= Lb orelse V =:= Ub, {W, {value, V}}, Seen);
seen(_, _, {'ENUMERATED', _}, _, V, W, Seen) ->
    sets:add_element({W, {value, V}}, Seen);
seen(_, _, _String, Cs, V, W, Seen) ->
    {Lb, Ub, _} = size_range(Cs),
    Size = case is_binary(V) of true -> byte_size(V); false -> length(V) end,
    add(Size =:= Lb orelse Size =:= Ub, {W, {size, Size}}, Seen).

add(true, Case, Seen) -> sets:add_element(Case, Seen);
add(false, _, Seen) -> Seen.

%% Prints how many of the cases the values showed, and those missing.
coverage(Ctx, Direction, Values) ->
    All = sets:from_list(cases(Ctx, frame_type(), 'MessageFrame'), [{version, 2}]),
    %% A value that does not fit the types (a difference reported already)
    %% shows nothing.
    Seen = lists:foldl(fun(V, S) ->
                               try seen(Ctx, frame_type(), V, 'MessageFrame', S)
                               catch error:_ -> S
                               end
                       end, sets:new([{version, 2}]), Values),
    Missing = lists:sort(sets:to_list(sets:subtract(All, Seen))),
    io:format("direction ~b coverage: ~b of ~b cases (CHOICE alternatives, OPTIONAL "
              "fields present and absent, INTEGER and SIZE bounds, ENUMERATED values, "
              "extended BIT STRINGs)~n", [Direction, sets:size(All) - length(Missing),
                                          sets:size(All)]),
    {Shown, More} = lists:split(min(length(Missing), ?COVERAGE_SHOWN), Missing),
    [io:format("  not covered: ~w~n", [M]) || M <- Shown],
    [io:format("  and ~b more~n", [length(More)]) || More =/= []],
    Missing.

%% ---- the helper -----------------------------------------------------------

%% Runs the helper with Args; returns the terms it wrote to Out.
run_helper(#{helper := Helper}, Args, Out) ->
    Port = open_port({spawn_executable, Helper},
                     [{args, Args ++ [Out]}, exit_status, stderr_to_stdout, binary]),
    case collect(Port, <<>>) of
        {0, _} -> read_terms(Out);
        {Status, Text} -> fail("~s ~p exited with ~b:~n~s", [Helper, Args, Status, Text])
    end.

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, <<Acc/binary, D/binary>>);
        {Port, {exit_status, S}} -> {S, Acc}
    end.

read_terms(Path) ->
    {ok, Data} = file:read_file(Path),
    pmap(fun parse_term/1, binary:split(Data, <<"\n">>, [global, trim_all])).

%% Parsing the terms is most of the driver's time: it is spread over the
%% schedulers, a slice of the list each, and the results kept in order.
pmap(F, List) ->
    Slices = slices(List, max(1, ceil(length(List) / erlang:system_info(schedulers_online)))),
    Parent = self(),
    Pids = [spawn_link(fun() -> Parent ! {self(), [F(X) || X <- S]} end) || S <- Slices],
    lists:append([receive {Pid, Result} -> Result end || Pid <- Pids]).

slices([], _) -> [];
slices(List, N) when length(List) =< N -> [List];
slices(List, N) ->
    {Slice, Rest} = lists:split(N, List),
    [Slice | slices(Rest, N)].

parse_term(Line) ->
    Text = binary_to_list(Line),
    case erl_scan:string(Text) of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, Term} -> Term;
                Error -> fail("the helper wrote no term (~p):~n~s", [Error, Text])
            end;
        Error ->
            fail("the helper wrote no term (~p):~n~s", [Error, Text])
    end.

to_hex(Bin) -> << <<(hex_digit(N))>> || <<N:4>> <= Bin >>.

hex_digit(N) when N < 10 -> $0 + N;
hex_digit(N) -> $a + N - 10.

from_hex(Hex) -> << <<(list_to_integer([H, L], 16))>> || <<H, L>> <= list_to_binary(Hex) >>.

%% ---- direction 1: Erlang encodes, we decode -------------------------------

direction1(Ctx = #{mod := Mod, dir := Dir}, Seed, Count) ->
    rand:seed(exsss, Seed),
    Values = [gen_frame(Ctx, Alt) || Alt <- frame_alternatives(Ctx), _ <- lists:seq(1, Count)],
    Encoded = [encode(Mod, V) || V <- Values],
    In = filename:join(Dir, "direction1.hex"),
    ok = file:write_file(In, [[to_hex(B), $\n] || B <- Encoded]),
    Results = run_helper(Ctx, ["decode", In], filename:join(Dir, "direction1.out")),
    length(Results) =:= length(Values)
        orelse fail("direction 1: ~b values in, ~b results out", [length(Values), length(Results)]),
    coverage(Ctx, 1, Values),
    tally(1, lists:zipwith3(fun(V, B, R) -> check1(Ctx, V, to_hex(B), R) end,
                            Values, Encoded, Results)).

encode(Mod, Value) ->
    case Mod:encode('MessageFrame', Value) of
        {ok, Bin} -> Bin;
        Error -> fail("Erlang cannot encode its own random value (a fault of the "
                      "generator): ~p~nvalue: ~p", [Error, Value])
    end.

%% ok, or #{why, hex, erlang, ours, where} for tally/2 to report.
check1(Ctx, Value, Hex, {ok, Term}) ->
    case compare(Ctx, Value, Term) of
        same -> ok;
        {different, Where} -> difference("asn1c decoded another value", Hex, Value, Term, Where)
    end;
check1(Ctx, Value, Hex, {reencoded, CodecHex, _Term}) ->
    %% Where the codec's bytes differ shows best in their value.
    Reencoded = decode(Ctx, CodecHex),
    difference("the codec re-encoded it as " ++ CodecHex ++ " (our value: how Erlang decodes that)",
               Hex, Value, Reencoded, where(Ctx, Value, Reencoded));
check1(_, Value, Hex, {codec_error, Why, Term}) ->
    difference("the codec failed: " ++ Why, Hex, Value, Term, none);
check1(_, Value, Hex, {asn1c_error, Why}) ->
    difference("asn1c failed: " ++ Why, Hex, Value, none, none).

%% The value Erlang decodes from Hex, or none.
decode(#{mod := Mod}, Hex) ->
    case Mod:decode('MessageFrame', from_hex(Hex)) of
        {ok, Value} -> Value;
        _ -> none
    end.

where(_, none, _) -> none;
where(_, _, none) -> none;
where(Ctx, A, B) ->
    case compare(Ctx, A, B) of
        same -> none;
        {different, Where} -> Where
    end.

difference(Why, Hex, Erlang, Ours, Where) ->
    #{why => Why, hex => Hex, erlang => Erlang, ours => Ours, where => Where}.

%% ---- direction 2: we encode, Erlang decodes -------------------------------

direction2(Ctx = #{dir := Dir}, Seed, Count) ->
    Results = run_helper(Ctx, ["generate", integer_to_list(Seed), integer_to_list(Count)],
                         filename:join(Dir, "direction2.out")),
    Expected = length(frame_alternatives(Ctx)) * Count,
    length(Results) =:= Expected
        orelse fail("direction 2: ~b values expected, ~b made", [Expected, length(Results)]),
    %% The value the helper made is the last element of each result.
    coverage(Ctx, 2, [element(tuple_size(R), R) || R <- Results]),
    tally(2, [check2(Ctx, R) || R <- Results]).

check2(Ctx = #{mod := Mod}, {ok, _Alt, Hex, Term}) ->
    case Mod:decode('MessageFrame', from_hex(Hex)) of
        {ok, Value} ->
            case compare(Ctx, Value, Term) of
                same -> ok;
                {different, Where} ->
                    difference("Erlang decoded another value", Hex, Value, Term, Where)
            end;
        Error ->
            Why = lists:flatten(io_lib:format("Erlang cannot decode it: ~p", [Error])),
            difference(Why, Hex, none, Term, none)
    end;
check2(Ctx, {reencoded, _Alt, AsnHex, CodecHex, _Term}) ->
    Asn1c = decode(Ctx, AsnHex),
    Reencoded = decode(Ctx, CodecHex),
    difference("the codec re-encoded asn1c's bytes as " ++ CodecHex ++ " (values: how Erlang "
               "decodes each)", AsnHex, Asn1c, Reencoded, where(Ctx, Asn1c, Reencoded));
check2(_, {codec_error, _Alt, AsnHex, Why, Term}) ->
    difference("the codec failed: " ++ Why, AsnHex, none, Term, none);
check2(_, {asn1c_error, _Alt, Why, Term}) ->
    difference("asn1c cannot encode the random value (a fault of the generator): " ++ Why,
               "", none, Term, none).

%% ---- counting and reporting -----------------------------------------------

%% Reports every difference among Checks; returns {Values, Different}.
tally(Direction, Checks) ->
    Diffs = [{I, D} || {I, D} <- lists:zip(lists:seq(1, length(Checks)), Checks), D =/= ok],
    lists:foldl(fun({I, D}, Nth) -> report(Direction, I, Nth, D), Nth + 1 end, 1, Diffs),
    {length(Checks), length(Diffs)}.

report(Direction, Index, Nth, #{why := Why, hex := Hex, erlang := Erlang, ours := Ours,
                                where := Where}) ->
    io:format("direction ~b: value ~b (~s) DIFFERENT: ~s~n  hex: ~s~n",
              [Direction, Index, frame_name(Erlang, Ours), Why, Hex]),
    case Where of
        {Path, A, B} -> io:format("  first difference at ~w:~n    Erlang: ~p~n    ours:   ~p~n",
                                  [Path, A, B]);
        none -> ok
    end,
    case Nth =< ?FULL_REPORTS of
        true -> io:format("  Erlang's value: ~p~n  our value: ~p~n", [Erlang, Ours]);
        false -> ok
    end.

frame_name({Alt, _}, _) -> atom_to_list(Alt);
frame_name(_, {Alt, _}) -> atom_to_list(Alt);
frame_name(_, _) -> "?".

summary(Direction, {N, Diff}) ->
    io:format("direction ~b: ~b values, ~b identical, ~b different~n",
              [Direction, N, N - Diff, Diff]),
    Diff.
