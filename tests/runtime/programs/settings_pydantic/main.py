from helpdesk.triage import Triage


def main() -> None:
    triage = Triage()
    print("ticket 42:", triage.classify("printer on fire"))


if __name__ == "__main__":
    main()
