"""Cross-check of the wire framing against protobuf's own Python library.

    interop.py GENDIR C_STREAM PY_STREAM

GENDIR holds v2x_pb2.py (protoc --python_out).  Reads C_STREAM, the frames
test-wire-interop wrote with v2x_frame_encode, as protobuf's delimited form
and checks that writing each frame back the same way gives the same bytes;
then writes PY_STREAM, frames built here, for the C side to read.  Exits 0
when all is well, 1 on a mismatch, 77 when the library lacks what is needed.
"""

import math
import sys

try:
    from google.protobuf.internal import decoder, encoder
except ImportError as e:
    print(f"interop: {e}", file=sys.stderr)
    sys.exit(77)


def write_delimited(out, msg):
    """writeDelimitedTo: the length as a varint, then the message."""
    body = msg.SerializeToString()
    out.write(encoder._VarintBytes(len(body)))
    out.write(body)


def read_delimited(data):
    """parseDelimitedFrom, repeated: yields (frame bytes, body bytes)."""
    pos = 0
    while pos < len(data):
        length, body_pos = decoder._DecodeVarint(data, pos)
        end = body_pos + length
        if end > len(data):
            raise ValueError(f"frame at byte {pos} runs past the end")
        yield data[pos:end], data[body_pos:end]
        pos = end


def doubles(msg):
    """Every double held anywhere in msg."""
    for field, value in msg.ListFields():
        values = value if field.label == field.LABEL_REPEATED else [value]
        for v in values:
            if field.type == field.TYPE_MESSAGE:
                yield from doubles(v)
            elif field.type == field.TYPE_DOUBLE:
                yield v


def check_c_stream(pb, path):
    data = open(path, "rb").read()
    kinds = set()
    nans = 0
    count = 0
    for frame_bytes, body in read_delimited(data):
        frame = pb.Frame()
        frame.ParseFromString(body)
        kind = frame.WhichOneof("msg")
        if kind is None:
            print(f"interop: frame {count} has no alternative", file=sys.stderr)
            return False
        kinds.add(kind)
        nans += sum(1 for v in doubles(frame) if math.isnan(v))
        body_again = frame.SerializeToString()
        again = encoder._VarintBytes(len(body_again)) + body_again
        if again != frame_bytes:
            print(f"interop: frame {count} ({kind}) differs when Python writes it back",
                  file=sys.stderr)
            return False
        count += 1
    every = {f.name for f in pb.Frame.DESCRIPTOR.oneofs_by_name["msg"].fields}
    if kinds != every:
        print(f"interop: alternatives missing: {sorted(every - kinds)}", file=sys.stderr)
        return False
    if nans == 0:
        print("interop: no NaN survived", file=sys.stderr)
        return False
    print(f"python read {count} frames from C ({nans} NaN doubles), "
          "each byte-identical when written back")
    return True


def python_frames(pb):
    """The frames test_interop.c expects, in order."""
    hello = pb.Frame(hello=pb.Hello(role=pb.ROLE_SUBSCRIBER, id="oem-changan-cloud",
                                    credential=b"\x00\x01tok", protocol_version=1))
    heartbeat = pb.Frame(heartbeat=pb.Heartbeat(send_time_us=1764150000123456))
    subscribe = pb.Frame(subscribe=pb.Subscribe(
        subscription_id=42, vehicle_ids=[b"ABCDEFGH"],
        geofence=pb.Geofence(box=pb.Box(south_deg=29.5, west_deg=106.4,
                                        north_deg=29.7, east_deg=106.6)),
        warning_types=[pb.WARNING_TYPE_CURVE_SPEED, pb.WARNING_TYPE_HAZARD_AHEAD],
        min_severity=pb.SEVERITY_WARNING))
    bsm = pb.Bsm(msg_cnt=5, id=b"12345678", sec_mark_s=math.nan,
                 pos=pb.Position3D(lat_deg=29.6, lon_deg=106.5, elev_m=math.nan),
                 speed_mps=13.5, heading_deg=271.25)
    # 20000 bytes of UPER make the length prefix three bytes long.
    observation = pb.Frame(observation=pb.Observation(
        rsu_id="py-rsu", seq=7, rx_time_us=1764150000000001, replayed=True,
        uper=bytes(i % 251 for i in range(20000)), bsm=bsm))
    warning = pb.Frame(warning=pb.Warning(
        warning_id=9, type=pb.WARNING_TYPE_CURVE_SPEED, severity=pb.SEVERITY_CRITICAL,
        target_vehicle_id=b"12345678", distance_m=87.5, advisory_speed_mps=8.25,
        trigger_rx_time_us=1764150000000001, subscription_ids=[42],
        text="\u5f2f\u9053\u51cf\u901f"))
    bye = pb.Frame(bye=pb.Bye(reason=pb.BYE_REASON_NORMAL, text="bye"))
    return [hello, heartbeat, subscribe, observation, warning, bye]


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, sys.argv[1])
    import v2x_pb2 as pb

    if not check_c_stream(pb, sys.argv[2]):
        return 1
    with open(sys.argv[3], "wb") as out:
        for frame in python_frames(pb):
            write_delimited(out, frame)
    return 0


if __name__ == "__main__":
    sys.exit(main())
